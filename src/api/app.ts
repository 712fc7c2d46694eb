// Builds the Fastify app: security plugins, JWT auth, OpenAPI, the routes and the Socket.IO relay.
// No listen here, so tests can inject requests.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { EventFeed, LearningStore, PushedMetricsStore } from '../adapters/ports';
import type { AuditReader } from './routes/audit';
import type { BaselineReader } from './routes/baselines';
import { checkReadiness, type DependencyCheck } from '../main/readiness';
import authPlugin from './plugins/auth';
import hardeningPlugin from './plugins/hardening';
import errorsPlugin from './plugins/errors';
import operatorPlugin from './plugins/operator';
import socketIoPlugin from './plugins/socket-io';
import { auditRoutes } from './routes/audit';
import { autopilotRoutes, type AutopilotApiDeps } from './routes/autopilot';
import { pingRoutes } from './routes/ping';
import { pushedMetricsRoutes } from './routes/pushed-metrics';
import { selfHealingRoutes } from './routes/self-healing';
import { SelfHealingApi } from './self-healing-api';
import type { EagerAnalyze } from './eager-analyze';

export interface AppDeps {
  config: Config;
  temporal: Client;
  learning: LearningStore;
  audit: AuditReader;
  baselines: BaselineReader;
  feed: EventFeed;
  knownIssueTypes: ReadonlySet<string>;
  /** The autonomy policy, the autopilot's record, and starting watches (src/api/routes/autopilot.ts). */
  autopilot: AutopilotApiDeps;
  /** Where POST /metrics/batch stores pushed samples for the autopilot; absent: the route is not served. */
  pushedMetrics?: Pick<PushedMetricsStore, 'storeBatch'>;
  /** Under ANALYZE_SHAPE=eager: starts analyses and runs their workflow task in this process. */
  eagerAnalyze?: EagerAnalyze;
  /** What /readyz checks: the dependencies this instance needs to serve (Temporal, Neo4j, RabbitMQ). */
  readiness?: readonly DependencyCheck[];
  /**
   * The process's pino root (src/main/logger.ts), which Fastify logs through: one root, so the API's own components
   * and its requests write one stream with one configuration. False: no logs (tests on fakes).
   */
  logger: FastifyBaseLogger | false;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    ...(deps.logger === false ? { logger: false } : { loggerInstance: deps.logger }),
    bodyLimit: config.api.bodyLimitBytes,
    // Slow clients may not hold a connection open: the whole request must arrive within this time.
    requestTimeout: 30_000,
    // Longer than any id the schemas accept, so an over-long id is a 400 naming the field, not a missing route.
    routerOptions: { maxParamLength: 256 },
    genReqId: () => randomUUID(),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(errorsPlugin);
  await app.register(authPlugin, { config });
  await app.register(hardeningPlugin, { config });
  await app.register(swagger, {
    openapi: {
      // 3.1, so that the metric map's propertyNames (the allowed metric names) are part of the document.
      openapi: '3.1.0',
      info: { title: 'Selfheal API', version: '0.1.0', description: 'Self-healing for containerised services' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // No call to the public validator: the UI works offline, everything from this API. Swagger UI sets inline
    // styles (not scripts), hence 'unsafe-inline' for styles only.
    uiConfig: { validatorUrl: null },
    staticCSP:
      "default-src 'self'; base-uri 'self'; frame-ancestors 'self'; object-src 'none'; img-src 'self' data:; font-src 'self' data:; " +
      "script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'",
  });
  await app.register(socketIoPlugin, {
    feed: deps.feed,
    corsOrigins: config.api.corsOrigins,
    maxConnectionsPerSubject: config.api.socketMaxConnectionsPerSubject,
    handshakesPerMinutePerAddress: config.api.socketHandshakesPerMinute,
  });
  await app.register(operatorPlugin, { config, baselines: deps.baselines });

  // Liveness: the process serves HTTP. Readiness: every dependency answers, else 503 naming the failing ones.
  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const report = await checkReadiness(deps.readiness ?? []);
    return reply.code(report.ready ? 200 : 503).send({ status: report.ready ? 'ready' : 'not_ready', ...report });
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const api = new SelfHealingApi(deps.temporal, config, deps.knownIssueTypes, deps.eagerAnalyze);
  await app.register(selfHealingRoutes, { prefix: '/api/self_healing', api, learning: deps.learning });
  await app.register(auditRoutes, { prefix: '/api/self_healing', audit: deps.audit, whyMaxWindowSeconds: config.api.whyMaxWindowSeconds });
  await app.register(autopilotRoutes, { prefix: '/api/self_healing', autopilot: deps.autopilot, api });
  await app.register(pingRoutes, { prefix: '/api/self_healing' });
  if (deps.pushedMetrics) {
    await app.register(pushedMetricsRoutes, { prefix: '/api/self_healing', store: deps.pushedMetrics, maxFutureSeconds: config.api.analyzeMaxFutureSeconds });
  }
  return app;
}
