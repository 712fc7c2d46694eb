// GET /api/self_healing/ping: authenticated (viewer) and does nothing else, so its latency is the HTTP floor of
// the API (TLS aside): Fastify, the security plugins, JWT verification and the rate limiter (bench/perf).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { withErrors } from '../schemas/common';

export const pingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/ping',
    {
      onRequest: app.authorize('viewer'),
      schema: { tags: ['self_healing'], summary: 'Authenticated no-op: the HTTP floor for benchmarks', response: withErrors({ 200: Type.Object({ ok: Type.Boolean() }) }) },
    },
    async () => ({ ok: true }),
  );
};
