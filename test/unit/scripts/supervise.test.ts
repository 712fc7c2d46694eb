// scripts/supervise.sh keeps a process of `npm start` running: a crash is logged and restarted, and SIGTERM stops
// the process and the supervisor.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '../../..');

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('scripts/supervise.sh', () => {
  it('restarts a process that exits, logging each exit, and stops it on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'supervise-'));
    const runs = path.join(dir, 'runs');
    const log = path.join(dir, 'proc.log');
    const entry = path.join(dir, 'entry.js');
    // Crashes on its first two runs, then stays up.
    writeFileSync(runs, '');
    writeFileSync(
      entry,
      `const fs = require('node:fs');
       fs.appendFileSync(${JSON.stringify(runs)}, 'x');
       if (fs.readFileSync(${JSON.stringify(runs)}, 'utf8').length <= 2) process.exit(3);
       setInterval(() => {}, 1000);`,
    );
    const supervisor = spawn('bash', ['scripts/supervise.sh', 'demo', entry, log], { cwd: repo, env: { ...process.env, SELFHEAL_RUN: dir, SELFHEAL_STOP_TIMEOUT: '5' }, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => supervisor.once('exit', resolve));
    const logText = () => readFileSync(log, 'utf8');
    await until(() => readFileSync(runs, 'utf8').length === 3, 'the third run');
    await until(() => logText().split('started (pid').length - 1 === 3, 'the third start in the log');
    expect(logText().match(/demo exited with code 3; restarting in \d+ s/g)).toHaveLength(2);
    const child = Number(readFileSync(path.join(dir, 'demo.child.pid'), 'utf8'));
    expect(alive(child)).toBe(true);

    supervisor.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(alive(child)).toBe(false);
    expect(logText()).toContain('demo stopped');
    expect(readFileSync(runs, 'utf8')).toHaveLength(3);
  }, 30_000);
});
