// GET /metrics: the Prometheus text format. It asks for a viewer token like every other read: scrape with
// `authorization: { credentials_file: ... }` holding a token from `selfheal token --role viewer` (docs/operators.md).
import type { FastifyPluginAsync } from 'fastify';
import { PrometheusText, withErrors } from '../schemas/common';
import { assertServiceNamed } from '../scope-guard';

export const metricsRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/metrics',
    {
      onRequest: app.authorize('viewer'),
      schema: { tags: ['operations'], summary: 'Prometheus metrics of this API instance (text format)', response: withErrors({ 200: PrometheusText }) },
    },
    async (request, reply) => {
      // Instance-wide figures cover every service: a scoped token may not read them.
      assertServiceNamed(request.user, undefined);
      const body = await app.metricsRegistry.metrics();
      return reply.type(app.metricsRegistry.contentType).send(body);
    },
  );
};
