// Starts a real worker and a real API in this process, against the real services, on a task queue of their own
// so concurrent test files and a running dev stack never pick up each other's workflows.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig, type Config } from '../../src/config';
import { signToken, type Role } from '../../src/auth/jwt';
import { startWorker } from '../../src/main/worker';
import { startApi } from '../../src/main/api';

let runtimeInstalled = false;

export function testConfig(overrides: Record<string, string> = {}): Config {
  const id = randomUUID().slice(0, 8);
  return loadConfig({
    ...process.env,
    TEMPORAL_TASK_QUEUE: `test-${id}`,
    API_PORT: '0',
    API_INSTANCE_ID: `test-${id}`,
    LOG_LEVEL: 'warn',
    VERIFY_INTERVAL_SECONDS: '1',
    VERIFY_ATTEMPTS: '20',
    ...overrides,
  });
}

export interface TestStack {
  config: Config;
  baseUrl: string;
  token(role: Role, sub?: string): string;
  /** fetch against the API with a token of this role. */
  call(method: string, path: string, body?: unknown, role?: Role): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startTestStack(overrides: Record<string, string> = {}): Promise<TestStack> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const config = testConfig(overrides);
  const worker = await startWorker(config);
  const running = worker.run();
  const app = await startApi(config, { logger: false });
  const { port } = app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const token = (role: Role, sub = `test-${role}`) => signToken(config, { sub, role });
  return {
    config,
    baseUrl,
    token,
    async call(method, path, body, role = 'operator') {
      const res = await fetch(baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${token(role)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async stop() {
      await app.close();
      worker.worker.shutdown();
      await running;
    },
  };
}
