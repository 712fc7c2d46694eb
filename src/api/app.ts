// Builds the Fastify app: security plugins, JWT auth, OpenAPI, the routes and the Socket.IO relay.
// No listen here, so tests can inject requests.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { EventFeed, LearningStore } from '../adapters/ports';
import type { AuditReader } from './routes/audit';
import type { BaselineReader } from './routes/baselines';
import authPlugin from './plugins/auth';
import errorsPlugin from './plugins/errors';
import operatorPlugin from './plugins/operator';
import socketIoPlugin from './plugins/socket-io';
import { auditRoutes } from './routes/audit';
import { pingRoutes } from './routes/ping';
import { selfHealingRoutes } from './routes/self-healing';
import { SelfHealingApi } from './self-healing-api';

export interface AppDeps {
  config: Config;
  temporal: Client;
  learning: LearningStore;
  audit: AuditReader;
  baselines: BaselineReader;
  feed: EventFeed;
  knownIssueTypes: ReadonlySet<string>;
  /** pino options or false; tests pass false. */
  logger?: boolean | Record<string, unknown>;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger: deps.logger ?? { level: config.logLevel, redact: ['req.headers.authorization'] },
    bodyLimit: config.api.bodyLimitBytes,
    // Slow clients may not hold a connection open: the whole request must arrive within this time.
    requestTimeout: 30_000,
    // Longer than any id the schemas accept, so an over-long id is a 400 naming the field, not a missing route.
    routerOptions: { maxParamLength: 256 },
    genReqId: () => randomUUID(),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(errorsPlugin);
  // JSON answers may load nothing; /docs and the dashboard set their own, wider policies.
  await app.register(helmet, { contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] } } });
  await app.register(cors, { origin: config.api.corsOrigins.length > 0 ? config.api.corsOrigins : false });
  // The request id, also recorded with every heal and analysis, so a client can quote it.
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    return payload;
  });
  // A documented route without query parameters refuses any: unknown fields are refused everywhere.
  app.addHook('onRoute', (route) => {
    if (route.schema && !route.schema.hide && !route.schema.querystring) route.schema = { ...route.schema, querystring: Type.Object({}, { additionalProperties: false }) };
  });
  // A POST without a body is an empty object: routes whose fields are all optional (approve, reject, cancel) accept
  // it, and the others answer 400 naming the missing field.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
  });
  await app.register(authPlugin, { config });
  // The limiter runs as an app-wide onRequest hook, ahead of each route's own authorize hook: left to its per-route
  // default it would run after it, and requests refused with 401 would never be counted.
  await app.register(rateLimit, {
    global: false,
    // Load balancers poll /health: it does nothing, so it is exempt.
    allowList: (request) => request.routeOptions.url === '/health',
    max: config.api.rateLimitMax,
    timeWindow: config.api.rateLimitWindowMs,
    // Per verified token subject (more tokens for one subject buy no more requests), else per client address
    // (made-up tokens cannot buy a fresh budget either).
    keyGenerator: (request) => {
      const check = app.authenticate(request);
      return 'claims' in check ? `sub:${check.claims.sub}` : `addr:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      code: 'rate_limited',
      message: `rate limit exceeded: at most ${context.max} requests per ${context.after}; retry later`,
    }),
  });
  app.addHook('onRequest', app.rateLimit());
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
    // No call to the public validator (the UI works offline); its own CSP, minus the https upgrade that would break
    // plain-http local use.
    uiConfig: { validatorUrl: null },
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(' validator.swagger.io', '').replace(' upgrade-insecure-requests;', ''),
  });
  await app.register(socketIoPlugin, { feed: deps.feed, corsOrigins: config.api.corsOrigins });
  await app.register(operatorPlugin, { config, baselines: deps.baselines });

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const api = new SelfHealingApi(deps.temporal, config, deps.knownIssueTypes);
  await app.register(selfHealingRoutes, { prefix: '/api/self_healing', api, learning: deps.learning });
  await app.register(auditRoutes, { prefix: '/api/self_healing', audit: deps.audit });
  await app.register(pingRoutes, { prefix: '/api/self_healing' });
  return app;
}
