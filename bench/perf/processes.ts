// The benchmark's child processes (the API and the workers), each a node process of its own so its memory is its
// own: peak RSS comes from /proc/<pid>/status (VmHWM), reset between scenarios through /proc/<pid>/clear_refs.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
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
 * How the benchmark runs our processes. `built` is what the production image runs (Dockerfile): the compiled code,
 * `node dist/<entry>.js`, with the workflows prebundled and no source-mapped stack traces; `buildForBench()` makes it.
 * `source` runs the TypeScript through tsx, as `npm start` and the tests do: every stack trace a process takes (the
 * Neo4j driver takes one per statement) is mapped through the source maps, which costs CPU on every request.
 */
export type NodeRuntime = 'built' | 'source';

/** `npm run build` and the prebundled workflows, as the Dockerfile's build stage does. */
export function buildForBench(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(process.execPath, [path.join(ROOT, 'dist', 'src', 'main', 'workflow-bundle.js')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * Starts `entry` (a .ts path relative to the repository root) in `runtime`, with `env` over this process's
 * environment; `nodeArgs` go before the entry (`--cpu-prof`, which NODE_OPTIONS refuses).
 */
export function startNode(name: string, entry: string, env: Record<string, string>, nodeArgs: readonly string[] = [], runtime: NodeRuntime = 'source'): ChildProcessHandle {
  const script = runtime === 'built' ? [path.join(ROOT, 'dist', entry.replace(/\.ts$/, '.js'))] : ['--import', 'tsx', path.join(ROOT, entry)];
  const child = spawn(process.execPath, [...nodeArgs, ...script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Drained so a chatty child never blocks on a full pipe.
  child.stdout.resume();
  return new ChildProcessHandle(name, child);
}
