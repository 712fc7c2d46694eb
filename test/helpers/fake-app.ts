// The real Fastify app (buildApp) on in-memory fakes, listening on a free loopback port: the API's own behaviour
// (auth, schemas, error mapping, Socket.IO handshakes) without Temporal, Neo4j or RabbitMQ: empty audit lists, a
// learning store and pushed metrics in memory, and a Temporal client that throws if a route reaches it.
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../../src/api/app';
import type { Config } from '../../src/config';
import { FakeLearningStore } from '../fakes/learning-store';
import { FakeAutopilotApi } from '../fakes/autopilot-api';
import { FakePushedMetricsStore } from '../fakes/pushed-metrics';

export interface FakeApp {
  app: FastifyInstance;
  baseUrl: string;
  close(): Promise<void>;
}

/** The app's dependencies on in-memory fakes, with `overrides` on top (a test's own fake or Temporal client). */
export function fakeAppDeps(config: Config, overrides: Partial<AppDeps> = {}): AppDeps {
  return {
    config,
    temporal: new Proxy({}, { get: () => { throw new Error('Temporal is not reachable in this test'); } }) as Client,
    learning: new FakeLearningStore(),
    audit: {
      listAnomalies: async () => ({ items: [], nextCursor: null }),
      listSnapshots: async () => ({ items: [], nextCursor: null }),
      listAttempts: async () => ({ items: [], nextCursor: null }),
      getAttempt: async () => null,
      whyQuery: async () => ({}) as never,
    },
    baselines: { getBaselines: async () => ({}) },
    feed: { start: async () => undefined, close: async () => undefined },
    knownIssueTypes: new Set(['degradation']),
    autopilot: new FakeAutopilotApi(),
    pushedMetrics: new FakePushedMetricsStore(),
    logger: false,
    ...overrides,
  };
}

/** `logger`: the pino root the app logs through (none by default). */
export async function startFakeApp(config: Config, logger: FastifyBaseLogger | false = false): Promise<FakeApp> {
  const app = await buildApp(fakeAppDeps(config, { logger }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, baseUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
}
