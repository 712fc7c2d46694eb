// What every request meets before its route: security headers, CORS only for CORS_ORIGINS, the rate limit, the
// x-request-id answer header, and the request-shape rules (no unknown query parameters, a missing body is {}).
import fp from 'fastify-plugin';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { Type } from '@sinclair/typebox';
import type { Config } from '../../config';

export default fp(
  async (app, { config }: { config: Config }) => {
    // JSON answers may load nothing; /docs and the dashboard set their own, wider policies.
    await app.register(helmet, { contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] } } });
    await app.register(cors, { origin: config.api.corsOrigins.length > 0 ? config.api.corsOrigins : false });

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
  },
  { name: 'hardening', dependencies: ['auth'] },
);
