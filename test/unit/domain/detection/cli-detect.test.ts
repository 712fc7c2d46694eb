// `selfheal detect` on small temp CSVs, in process (through the command's run) and as a child process (exit codes).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../../../src/cli/command';
import { detectCommand } from '../../../../src/cli/commands/detect';
import { parseTimestamp } from '../../../../src/cli/timestamps';
import { splitCsvLine } from '../../../../src/cli/csv';

const dir = mkdtempSync(join(tmpdir(), 'selfheal-detect-'));
const BIN = resolve(__dirname, '../../../../bin/selfheal.js');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function csv(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** Runs the command in process; returns the output rows (header dropped) and what went to stderr. */
async function detect(input: string, extra: Record<string, string> = {}) {
  const output = join(dir, `out-${Math.random().toString(36).slice(2)}.csv`);
  const stderr: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
  const code = await detectCommand.run({ input, output, ...extra }, []);
  const [header, ...rows] = readFileSync(output, 'utf8').trimEnd().split('\n');
  return { code, header, rows: rows.map((r) => r.split(',')), stderr: stderr.join('') };
}

const minutes = (n: number, value: (i: number) => string, stamp: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => `${stamp(i)},${value(i)}`);
const iso = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
const wave = (i: number) => (100 + Math.sin(i) + (i === 150 ? 40 : 0)).toFixed(3);

describe('selfheal detect', () => {
  it('writes timestamp,value,anomaly_score,severity,ongoing,reason for every row of an ISO series and flags the spike', async () => {
    const { code, header, rows, stderr } = await detect(csv('iso.csv', ['timestamp,value', ...minutes(200, wave, iso)]));
    expect(code).toBe(0);
    expect(header).toBe('timestamp,value,anomaly_score,severity,ongoing,reason');
    expect(rows).toHaveLength(200);
    expect(rows[0]).toEqual([iso(0), '100.000', '0', 'none', 'false', '']);
    expect(rows.every((r) => Number.isFinite(Number(r[2])) && r[2] !== '')).toBe(true);
    expect(rows[150]![4]).toBe('false'); // the spike opens an episode
    expect(rows[151]![4]).toBe('true'); // the rows after it belong to that episode
    expect(Number(rows[151]![2])).toBeLessThan(Number(rows[150]![2]) / 5);
    expect(rows[150]![3]).toBe('high');
    expect(Number(rows[150]![2])).toBeGreaterThan(0.9);
    expect(stderr).toMatch(/200 rows in .* s/);
    expect(stderr).toMatch(/anomalies: \d+ \(medium \d+, high [1-9]\d*\)/);
    expect(stderr).toMatch(/episodes opened: [1-9]/);
  });

  it('scores a row with a repeated timestamp like any other (the same instant read again)', async () => {
    const lines = ['timestamp,value', ...minutes(40, () => '5', iso)];
    lines[21] = `${iso(19)},5`; // line 22 repeats line 21's instant
    const { rows, stderr } = await detect(csv('repeat.csv', lines));
    expect(rows[20]!.slice(2)).toEqual(['0', 'none', 'false', '']);
    expect(stderr).toContain('skipped: 0 rows');
  });

  it('gives the same answers for epoch seconds, epoch milliseconds and ISO timestamps', async () => {
    const seconds = (i: number) => String(Date.UTC(2024, 0, 1) / 1000 + i * 60);
    const millis = (i: number) => String(Date.UTC(2024, 0, 1) + i * 60_000);
    const severities = async (stamp: (i: number) => string, name: string) =>
      (await detect(csv(name, ['timestamp,value', ...minutes(200, wave, stamp)]))).rows.map((r) => r.slice(2));
    const fromIso = await severities(iso, 'a.csv');
    expect(await severities(seconds, 'b.csv')).toEqual(fromIso);
    expect(await severities(millis, 'c.csv')).toEqual(fromIso);
  });

  it('picks a column of a wide CSV with --metric', async () => {
    const lines = ['timestamp,cpu,latency_ms', ...minutes(60, (i) => `0.4,${i === 50 ? 900 : 120 + (i % 5)}`, iso)];
    const { rows } = await detect(csv('wide.csv', lines), { metric: 'latency_ms' });
    expect(rows[50]!.slice(0, 2)).toEqual([iso(50), '900']);
    expect(rows[50]![3]).toBe('high');
  });

  it('writes bad rows with score 0, severity invalid and their reason, counts them and names their line numbers', async () => {
    const lines = ['timestamp,value', ...minutes(30, () => '5', iso)];
    lines[5] = `${iso(4)},abc`; // line 6
    lines[10] = `${iso(9)},`; // line 11
    lines[15] = `${iso(3)},5`; // line 16: out of order
    lines[20] = 'yesterday,5'; // line 21
    lines[25] = `${iso(24)},-Infinity`; // line 26
    const { rows, stderr } = await detect(csv('bad.csv', lines));
    expect(rows).toHaveLength(30);
    expect(rows[4]).toEqual([iso(4), 'abc', '0', 'invalid', 'false', 'not a number']);
    expect(rows[14]![5]).toBe('out-of-order timestamp');
    expect(rows.every((r) => r[2] !== '' && Number.isFinite(Number(r[2])))).toBe(true);
    expect(stderr).toContain(
      'skipped: 5 rows (line 6: not a number; line 11: empty value; line 16: out-of-order timestamp; ' +
        'line 21: invalid timestamp; line 26: -Infinity)',
    );
  });

  it('turns bad flags and a missing column into usage errors, and a missing file into a plain error', async () => {
    const input = csv('ok.csv', ['timestamp,value', `${iso(0)},1`]);
    await expect(detectCommand.run({ input }, [])).rejects.toThrow(UsageError);
    await expect(detectCommand.run({ input, output: '-', alpha: 'fast' }, [])).rejects.toThrow(/--alpha must be a number/);
    await expect(detectCommand.run({ input, output: '-', alpha: '1.5' }, [])).rejects.toThrow(UsageError);
    await expect(detectCommand.run({ input, output: '-', period: '-60' }, [])).rejects.toThrow(/--period/);
    await expect(detectCommand.run({ input, output: join(dir, 'x.csv'), metric: 'cpu' }, [])).rejects.toThrow(UsageError);
    await expect(detectCommand.run({ input: join(dir, 'missing.csv'), output: '-' }, [])).rejects.toThrow(
      /input file not found/,
    );
  });

  it('exits 2 on a bad flag and 1 on a missing input file, as a child process', async () => {
    const run = (args: string[]) =>
      promisify(execFile)('node', [BIN, 'detect', ...args]).then(() => 0, (err: { code: number }) => err.code);
    expect(await run(['--input', 'x.csv', '--output', '-', '--bogus'])).toBe(2);
    expect(await run(['--input', join(dir, 'missing.csv'), '--output', '-'])).toBe(1);
  }, 30_000);
});

describe('CSV and timestamp parsing', () => {
  it.each([
    ['2024-01-01T00:01:00Z', Date.UTC(2024, 0, 1, 0, 1)],
    ['2024-01-01 00:01:00', Date.UTC(2024, 0, 1, 0, 1)],
    ['2024-01-01T02:01:00.5+02:00', Date.UTC(2024, 0, 1, 0, 1, 0, 500)],
    ['2024-01-01', Date.UTC(2024, 0, 1)],
    ['1704067260', Date.UTC(2024, 0, 1, 0, 1)],
    ['1704067260000', Date.UTC(2024, 0, 1, 0, 1)],
    ['2024-02-30 00:00:00', null],
    ['noon', null],
    ['', null],
  ])('parseTimestamp(%j) is %s', (text, expected) => {
    expect(parseTimestamp(text)).toBe(expected);
  });

  it('splits quoted CSV fields', () => {
    expect(splitCsvLine('a,"b,c","d ""e"""')).toEqual(['a', 'b,c', 'd "e"']);
  });
});
