// The benchmark's child processes (the API and the workers), each a `node --import tsx <entry>` so its memory is
// its own: peak RSS comes from /proc/<pid>/status (VmHWM), reset between scenarios through /proc/<pid>/clear_refs.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

export class ChildProcessHandle {
  private stderrTail = '';
  private exited = false;
  private stopping = false;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000);
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      if (!this.stopping) process.stderr.write(`${name} (pid ${child.pid}) exited early: code ${code} signal ${signal}\n${this.stderrTail}\n`);
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves when the process prints `line` on stdout; rejects if it exits first. */
  waitForLine(line: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no "${line}" within ${timeoutMs} ms\n${this.stderrTail}`)), timeoutMs);
      this.child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes(line)) {
          clearTimeout(timer);
          resolve();
        }
      });
      this.child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited before "${line}"\n${this.stderrTail}`));
      });
    });
  }

  /** Peak resident memory since start or since the last resetPeak, in MB. */
  peakMb(): number {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  }

  resetPeak(): void {
    writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    this.stopping = true;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Starts `node --import tsx <entry>` (relative to the repository root) with `env` over this process's environment;
 * `nodeArgs` go before the entry (`--cpu-prof`, which NODE_OPTIONS refuses).
 */
export function startNode(name: string, entry: string, env: Record<string, string>, nodeArgs: readonly string[] = []): ChildProcessHandle {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Drained so a chatty child never blocks on a full pipe.
  child.stdout.resume();
  return new ChildProcessHandle(name, child);
}
