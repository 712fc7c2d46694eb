// `selfheal evaluate` on tiny corpora in NAB layout: the JSON report, the table, and clear errors for bad corpora.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { evaluateCommand } from '../../../../src/cli/commands/evaluate';
import { UsageError } from '../../../../src/cli/command';

const root = mkdtempSync(join(tmpdir(), 'selfheal-evaluate-'));
const BIN = resolve(__dirname, '../../../../bin/selfheal.js');
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const stamp = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 300_000).toISOString().replace('T', ' ').replace('.000Z', '');

/** A corpus: one file of 600 five-minute rows of noise with a spike at row 450, labelled around it. */
function corpus(name: string, edit: (rows: string[], labels: Record<string, string[][]>) => void = () => {}): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'data', 'cat'), { recursive: true });
  mkdirSync(join(dir, 'labels'), { recursive: true });
  const rows = Array.from({ length: 600 }, (_, i) => `${stamp(i)},${(i === 450 ? 150 : 100 + Math.sin(i * 1.7) * 2).toFixed(3)}`);
  const labels = { 'cat/spike.csv': [[`${stamp(440)}.000000`, `${stamp(470)}.000000`]] };
  edit(rows, labels);
  writeFileSync(join(dir, 'data', 'cat', 'spike.csv'), ['timestamp,value', ...rows].join('\n') + '\n');
  writeFileSync(join(dir, 'labels', 'combined_windows.json'), JSON.stringify(labels));
  return dir;
}

async function run(values: Record<string, unknown>) {
  const out: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  const code = await evaluateCommand.run(values as never, []);
  return { code, out: out.join('') };
}

describe('selfheal evaluate', () => {
  it('scores the corpus: the spike is found at the best threshold, and --json has the three profiles and per-file rows', async () => {
    const { code, out } = await run({ corpus: corpus('ok'), json: true });
    expect(code).toBe(0);
    const report = JSON.parse(out);
    for (const profile of ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate']) {
      expect(report[profile].score).toBeGreaterThan(90);
      expect(report[profile].files[0]).toMatchObject({ file: 'cat/spike.csv', detectedWindows: 1, fp: 0 });
    }
  });

  it('prints a per-file table and the three scores for people', async () => {
    const { out } = await run({ corpus: corpus('table') });
    expect(out).toMatch(/cat\/spike\.csv\s+600\s+1\/1\s+0/);
    expect(out).toMatch(/^standard\s+\d+\.\d\d\s/m);
    expect(out).toMatch(/^reward_low_FN_rate\s+\d+\.\d\d\s/m);
  });

  it.each([
    ['a missing labels file', (dir: string) => rmSync(join(dir, 'labels'), { recursive: true }), /no labels file/],
    ['a window outside the data', (dir: string) => writeFileSync(join(dir, 'labels', 'combined_windows.json'), JSON.stringify({ 'cat/spike.csv': [['2030-01-01 00:00:00', '2030-01-02 00:00:00']] })), /window start .* is not a timestamp of the data/],
    ['a labelled file that does not exist', (dir: string) => writeFileSync(join(dir, 'labels', 'combined_windows.json'), JSON.stringify({ 'cat/gone.csv': [] })), /cat\/gone\.csv is labelled but/],
  ])('fails clearly on %s', async (_label, breakIt, message) => {
    const dir = corpus(`bad-${Math.random().toString(36).slice(2)}`);
    breakIt(dir);
    await expect(run({ corpus: dir })).rejects.toThrow(message);
  });

  it('names the line of an unparsable row', async () => {
    const dir = corpus('unparsable', (rows) => {
      rows[9] = `${stamp(9)},n/a`;
    });
    await expect(run({ corpus: dir })).rejects.toThrow('cat/spike.csv line 11: unparsable value "n/a"');
  });

  it('refuses a bad --config as a usage error, and exits non-zero on a bad corpus as a child process', async () => {
    const dir = corpus('config');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ alpha: 7 }));
    await expect(run({ corpus: dir, config: join(dir, 'config.json') })).rejects.toThrow(UsageError);
    const exit = await promisify(execFile)('node', [BIN, 'evaluate', '--corpus', join(root, 'nowhere')]).then(() => 0, (err: { code: number }) => err.code);
    expect(exit).toBe(1);
  }, 30_000);
});
