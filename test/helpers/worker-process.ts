// A real worker in a child process (`node --import tsx src/main/worker.ts`), so a test can kill -9 it mid-heal the
// way a crashed host would: no shutdown, no activity completion, no goodbye to the Temporal server.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../../src/config';

const repo = path.resolve(__dirname, '../..');
// Loading tsx and bundling the workflow code takes a while on a busy machine.
const READY_TIMEOUT_MS = 90_000;

export interface WorkerProcess {
  pid: number;
  /** SIGKILL: the process dies at once, whatever it was doing. */
  kill9(): Promise<void>;
  /** What the worker wrote, for failure messages. */
  output(): string;
}

/** Starts a worker on the task queue of `config` with the same settings as `env`, and waits until it polls. */
export async function spawnWorker(config: Config, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main/worker.ts'], {
    cwd: repo,
    env: { ...process.env, ...env, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, AUTOPILOT_POLICY_ID: config.autopilot.policyId, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitReady(child, () => output);
  return {
    pid: child.pid!,
    output: () => output,
    async kill9() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Resolves once the worker logged that it started (its workflow bundle is built and it polls the queue). */
function waitReady(child: ChildProcess, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`worker not ready within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    const onData = () => {
      if (!output().includes('"worker started"')) return;
      cleanup();
      resolve();
    };
    const onExit = (code: number | null) => fail(`worker exited with ${code} before it was ready`);
    function cleanup() {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
    }
    function fail(why: string) {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`${why}:\n${output().slice(-2000)}`));
    }
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}
