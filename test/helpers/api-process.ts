// A real API in a child process (`node --import tsx src/main/api.ts`), so a test can kill -9 it while it is in the
// middle of an analysis whose workflow task it holds (ANALYZE_SHAPE=eager), the way a crashed host would.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Config } from '../../src/config';

const repo = path.resolve(__dirname, '../..');
// Loading tsx and bundling the workflow code takes a while on a busy machine.
const READY_TIMEOUT_MS = 90_000;

export interface ApiProcess {
  pid: number;
  baseUrl: string;
  /** SIGKILL: the process dies at once, whatever it was doing. */
  kill9(): Promise<void>;
  output(): string;
}

/** Starts an API on the task queues of `config`, with `env` on top, and waits until it answers /health. */
export async function spawnApi(config: Config, env: Record<string, string> = {}): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main/api.ts'], {
    cwd: repo,
    env: { ...process.env, ...env, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, API_PORT: String(port), API_INSTANCE_ID: `${config.api.instanceId}-child`, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const api: ApiProcess = {
    pid: child.pid!,
    baseUrl,
    output: () => output,
    async kill9() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await fetch(`${baseUrl}/health`).then((r) => r.ok, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await api.kill9();
      throw new Error(`the API did not answer /health within ${READY_TIMEOUT_MS} ms:\n${output.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return api;
}

/** A TCP port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
