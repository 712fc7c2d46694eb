// The system under test as child processes on task queues of their own: selfheal's worker (as deployed:
// src/main/worker.ts), one API (src/main/api.ts) per analyze shape (ANALYZE_SHAPE: eager, workflow, standalone), and
// the floor's worker, plus a second worker of each kind for the scaling run.
import type { Client } from '@temporalio/client';
import { ANALYZE_SHAPES, loadConfig, type AnalyzeShape, type Config } from '../../src/config';
import { startNode, type ChildProcessHandle, type NodeRuntime } from './processes';
import { freePort } from '../../test/helpers/api-process';

export interface BenchStack {
  /** The configuration of the API with the default shape (the one that ships). */
  config: Config;
  baseUrls: Record<AnalyzeShape, string>;
  floorQueue: string;
  apis: Record<AnalyzeShape, ChildProcessHandle>;
  workers: ChildProcessHandle[];
  floorWorkers: ChildProcessHandle[];
  /** Starts one more selfheal worker and floor worker, and waits until both poll. */
  addWorkers(client: Client): Promise<void>;
  stop(): Promise<void>;
}

/** `cpuProfileDir`: every child writes a V8 CPU profile there when it stops (`node --cpu-prof`). */
export async function startBenchStack(runId: string, runtime: NodeRuntime, cpuProfileDir?: string): Promise<BenchStack> {
  const nodeArgs = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [];
  const ports = Object.fromEntries(await Promise.all(ANALYZE_SHAPES.map(async (shape) => [shape, await freePort()] as const))) as Record<AnalyzeShape, number>;
  const env = {
    TEMPORAL_TASK_QUEUE: `bench-perf-${runId}`,
    API_PORT: String(ports.eager),
    API_INSTANCE_ID: `bench-perf-${runId}`,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '1000000',
    // The scaling run seeds up to 100,000 services.
    MAX_SERVICES: '10000000',
  };
  const floorEnv = { ...env, TEMPORAL_TASK_QUEUE: `bench-perf-floor-${runId}` };
  const config = loadConfig({ ...process.env, ...env });
  const baseUrls = Object.fromEntries(ANALYZE_SHAPES.map((shape) => [shape, `http://127.0.0.1:${ports[shape]}`])) as Record<AnalyzeShape, string>;
  const apiEnv = (shape: AnalyzeShape) => ({ ...env, ANALYZE_SHAPE: shape, API_PORT: String(ports[shape]), API_INSTANCE_ID: `${env.API_INSTANCE_ID}-${shape}` });
  const children: ChildProcessHandle[] = [];
  const start = (name: string, entry: string, childEnv: Record<string, string>) => {
    const child = startNode(name, entry, childEnv, nodeArgs, runtime);
    children.push(child);
    return child;
  };
  const stack: BenchStack = {
    config,
    baseUrls,
    floorQueue: floorEnv.TEMPORAL_TASK_QUEUE,
    apis: Object.fromEntries(ANALYZE_SHAPES.map((shape) => [shape, start(`api ${shape}`, 'src/main/api.ts', apiEnv(shape))])) as Record<AnalyzeShape, ChildProcessHandle>,
    workers: [start('worker 1', 'src/main/worker.ts', env)],
    floorWorkers: [start('floor worker 1', 'bench/perf/floor-worker.ts', floorEnv)],
    async addWorkers(client) {
      const n = this.workers.length + 1;
      this.workers.push(start(`worker ${n}`, 'src/main/worker.ts', env));
      this.floorWorkers.push(start(`floor worker ${n}`, 'bench/perf/floor-worker.ts', floorEnv));
      await Promise.all([waitForPollers(client, env.TEMPORAL_TASK_QUEUE, n), waitForPollers(client, floorEnv.TEMPORAL_TASK_QUEUE, n)]);
    },
    async stop() {
      await Promise.all(children.map((c) => c.stop()));
    },
  };
  try {
    await Promise.all([stack.floorWorkers[0]!.waitForLine('ready', 120_000), ...Object.values(baseUrls).map((url) => waitForHealth(url, 120_000))]);
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

/** Resolves once `count` distinct workers poll the task queue for workflow tasks. */
export async function waitForPollers(client: Client, taskQueue: string, count: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      // An unspecified task queue type means the workflow task queue.
      taskQueue: { name: taskQueue },
    });
    if (new Set(pollers.map((p) => p.identity)).size >= count) return;
    if (Date.now() > deadline) throw new Error(`fewer than ${count} workers poll ${taskQueue} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function waitForHealth(baseUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`${baseUrl}/health`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the API did not answer ${baseUrl}/health within ${timeoutMs} ms`);
}
