// Builds the Fastify app: security plugins, JWT auth, OpenAPI, the routes and the Socket.IO relay.
// No listen here, so tests can inject requests.
import { createHash, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { EventFeed, LearningStore } from '../adapters/ports';
import type { AuditReader } from './routes/audit';
import authPlugin from './plugins/auth';
import errorsPlugin from './plugins/errors';
import socketIoPlugin from './plugins/socket-io';
import { auditRoutes } from './routes/audit';
import { selfHealingRoutes } from './routes/self-healing';
import { SelfHealingApi } from './self-healing-api';

export interface AppDeps {
  config: Config;
  temporal: Client;
  learning: LearningStore;
  audit: AuditReader;
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
    genReqId: () => randomUUID(),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(errorsPlugin);
  await app.register(helmet, { contentSecurityPolicy: false });
  await app.register(cors, { origin: config.api.corsOrigins.length > 0 ? config.api.corsOrigins : false });
  await app.register(rateLimit, {
    max: config.api.rateLimitMax,
    timeWindow: config.api.rateLimitWindowMs,
    // Per token when one is sent, else per address.
    keyGenerator: (request) => {
      const auth = request.headers.authorization;
      return auth ? `t:${createHash('sha256').update(auth).digest('base64url').slice(0, 22)}` : `a:${request.ip}`;
    },
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Selfheal API', version: '0.1.0', description: 'Self-healing for containerised services' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(authPlugin, { config });
  await app.register(socketIoPlugin, { feed: deps.feed, corsOrigins: config.api.corsOrigins });

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const api = new SelfHealingApi(deps.temporal, config, deps.knownIssueTypes);
  await app.register(selfHealingRoutes, { prefix: '/api/self_healing', api, learning: deps.learning });
  await app.register(auditRoutes, { prefix: '/api/self_healing', audit: deps.audit });
  return app;
}
