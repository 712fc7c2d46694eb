// Starts a real worker and a real API in this process, against the real services, on a task queue of their own
// so concurrent test files and a running dev stack never pick up each other's workflows.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../../src/config';
import { signToken, type Role } from '../../src/auth/jwt';
import { startWorker } from '../../src/main/worker';
import { startApi } from '../../src/main/api';
import { deleteRetentionSchedule } from '../../src/main/retention-schedule';
import { relayQueueName } from '../../src/adapters/rabbitmq/event-feed';
import { deleteTopology } from './rabbitmq';
import { installTestRuntime, testPinoLevel } from './temporal-runtime';

export function testConfig(overrides: Record<string, string> = {}): Config {
  const id = randomUUID().slice(0, 8);
  return loadConfig({
    ...process.env,
    TEMPORAL_TASK_QUEUE: `test-${id}`,
    API_PORT: '0',
    API_INSTANCE_ID: `test-${id}`,
    // Each stack's autopilot policy apart from the others' (and the demo's) in the shared Neo4j.
    AUTOPILOT_POLICY_ID: `test-${id}`,
    LOG_LEVEL: testPinoLevel(),
    VERIFY_INTERVAL_SECONDS: '1',
    VERIFY_ATTEMPTS: '20',
    // The budget counts every applied heal of every test run in the shared Neo4j: only the budget's own test sets one.
    HEAL_BUDGET_MAX: '10000',
    HEAL_BUDGET_PER_SERVICE_MAX: '10000',
    // Tests date their samples years ahead (2030, 2041-2043) to keep each service's timeline their own; the skew's own tests
    // (security/inventory.test.ts) set it back.
    ANALYZE_MAX_FUTURE_SECONDS: String(50 * 365 * 24 * 3600),
    // The shared Neo4j keeps the services of every earlier test run.
    MAX_SERVICES: '10000000',
    // The tests' queues (selfheal-test-*) may take backpressure from any test service; nothing else may.
    HEAL_QUEUE_ALLOWLIST: '*=selfheal-test-*',
    ...overrides,
  });
}

export interface TestStack {
  config: Config;
  baseUrl: string;
  token(role: Role, sub?: string): string;
  /** fetch against the API with a token of this role (and subject: default test-<role>). */
  call(method: string, path: string, body?: unknown, role?: Role, sub?: string): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** A worker on `config`'s task queue, in this process, until stop(). */
export async function startTestWorker(config: Config, identity?: string): Promise<{ stop(): Promise<void> }> {
  installTestRuntime();
  const worker = await startWorker(config, identity === undefined ? {} : { identity });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

/** A worker and an API on a task queue of their own; `worker: false` leaves the workers to the test (startTestWorker). */
export async function startTestStack(overrides: Record<string, string> = {}, options: { worker?: boolean } = {}): Promise<TestStack> {
  const config = testConfig(overrides);
  const worker = options.worker === false ? null : await startTestWorker(config);
  const app = await startApi(config);
  const { port } = app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const token = (role: Role, sub = `test-${role}`) => signToken(config, { sub, role });
  return {
    config,
    baseUrl,
    token,
    async call(method, path, body, role = 'operator', sub) {
      const res = await fetch(baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${token(role, sub)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async stop() {
      await app.close();
      await worker?.stop();
      // The API's relay queue is durable (it outlives restarts): a test instance's would collect every event for a day.
      await deleteTopology([], [relayQueueName(config.api.instanceId)]);
      await terminateLeftovers(config);
    },
  };
}

/**
 * Ends the workflows still running on the stack's own task queue (a backpressure release timer, a heal a test left
 * waiting): no worker will ever poll that queue again, and a left-over analysis would capture the next test run's
 * request with the same workflow id (the same Idempotency-Key), answering it 503 for ever. A worker process a test
 * spawned on the queue (test/helpers/worker-process.ts) made the queue's retention schedule: it goes too.
 */
async function terminateLeftovers(config: Config): Promise<void> {
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const queues = [config.temporal.taskQueue, config.temporal.analyzeTaskQueue].map((q) => `TaskQueue = '${q}'`).join(' OR ');
    for await (const wf of client.workflow.list({ query: `(${queues}) AND ExecutionStatus = 'Running'` })) {
      await client.workflow.getHandle(wf.workflowId, wf.runId).terminate('the test stack on this task queue stopped').catch(() => undefined);
    }
    await deleteRetentionSchedule(client, config);
  } finally {
    await connection.close();
  }
}
