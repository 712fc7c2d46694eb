// `selfheal detect` draws a progress bar on stderr for a large file only when stderr is a terminal: run under
// script(1), which gives the command a pseudo-terminal, and with stderr piped, as in scripts and CI logs.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repo, runCli } from './run-cli';

const dir = mkdtempSync(path.join(tmpdir(), 'selfheal-progress-'));
const input = path.join(dir, 'large.csv');
const ROWS = 200_000;

beforeAll(() => {
  const start = Date.UTC(2024, 0, 1);
  const lines = ['timestamp,value'];
  for (let i = 0; i < ROWS; i++) lines.push(`${new Date(start + i * 60_000).toISOString()},${(100 + (i % 7) + Math.sin(i)).toFixed(3)}`);
  writeFileSync(input, lines.join('\n') + '\n'); // about 7 MB
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('selfheal detect progress bar', () => {
  it('draws a bar with percent and throughput on a terminal, then clears it before the summary', async () => {
    const command = `node bin/selfheal.js detect --input ${input} --output ${path.join(dir, 'tty-out.csv')}`;
    const { stdout } = await promisify(execFile)('script', ['-qfec', command, '/dev/null'], { cwd: repo, maxBuffer: 16 * 1024 * 1024 });
    const bars = [...stdout.matchAll(/\r\[([#.]{30})\] +(\d+)% {2}[\d.]+\/[\d.]+ MB {2}[\d.]+ MB\/s/g)];
    expect(bars.length).toBeGreaterThan(0);
    const percents = bars.map((m) => Number(m[2]));
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBeLessThanOrEqual(100);
    expect(stdout).toContain(`\r\x1b[Kselfheal detect: ${ROWS} rows in`);
  });

  it('draws nothing when stderr is not a terminal', async () => {
    const { code, stderr } = await runCli(['detect', '--input', input, '--output', path.join(dir, 'pipe-out.csv')]);
    expect(code).toBe(0);
    expect(stderr).not.toContain('\r');
    expect(stderr).toMatch(new RegExp(`^selfheal detect: ${ROWS} rows in`));
  });
});
