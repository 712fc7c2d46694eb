// POST /api/self_healing/metrics/batch: many samples of pushed metrics at once, stored pending in one transaction for
// the watch of each service to analyse at its next sample (docs/autopilot.md, "Pushed metrics"). Idempotent per
// sample id: a retried batch answers 202 with its samples counted as duplicates.
import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { PushedMetricsStore } from '../../adapters/ports';
import { futureAtRefusal } from '../../domain/bounds';
import { validateSample } from '../../domain/detection';
import { PUSH_BATCH_MAX_SAMPLES, PUSH_MAX_PENDING_PER_SERVICE, type PushedSample } from '../../domain/autopilot/pushed';
import { AppError, ValidationError } from '../../errors';
import { ErrorReply, MetricName, MetricValue, ServiceName, strict, withErrors } from '../schemas/common';
import { assertInScope } from '../scope-guard';

const SampleMetrics = Type.Unsafe<Record<string, number>>({
  type: 'object',
  propertyNames: MetricName,
  additionalProperties: MetricValue,
  minProperties: 1,
  maxProperties: 50,
});

const PushedSampleBody = strict({
  id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$', description: "the client's id of the sample: a retry with the same id is stored once; absent: the sample's content is its id" })),
  service: ServiceName,
  at: Type.String({ format: 'date-time', maxLength: 40 }),
  metrics: SampleMetrics,
});

export const PushBatchBody = Type.Object(
  { samples: Type.Array(PushedSampleBody, { minItems: 1, maxItems: PUSH_BATCH_MAX_SAMPLES }) },
  { additionalProperties: false, examples: [{ samples: [{ id: 'checkout-1733000000', service: 'checkout', at: '2026-11-29T21:00:00Z', metrics: { error_rate: 0.02, latency_p95: 180 } }] }] },
);
type PushBatchBody = Static<typeof PushBatchBody>;

const PushBatchReply = strict({
  accepted: Type.Integer({ minimum: 0, description: 'samples stored for the watch' }),
  duplicate: Type.Integer({ minimum: 0, description: 'samples already stored (a retry), or repeated within the batch' }),
});

/** A full batch of samples with a few metrics each fits; larger bodies are a 413 before they are parsed. */
export const PUSH_BATCH_MAX_BYTES = 2 * 1024 * 1024;

export interface PushedMetricsRoutesOptions {
  store: Pick<PushedMetricsStore, 'storeBatch'>;
  maxFutureSeconds: number;
}

export const pushedMetricsRoutes: FastifyPluginAsyncTypebox<PushedMetricsRoutesOptions> = async (app, { store, maxFutureSeconds }) => {
  app.post(
    '/metrics/batch',
    {
      onRequest: app.authorize('operator'),
      bodyLimit: PUSH_BATCH_MAX_BYTES,
      schema: {
        tags: ['self_healing'],
        summary: 'Push many samples of metrics at once, for the autopilot watch of each service (a service the policy marks `push`)',
        body: PushBatchBody,
        response: withErrors({ 202: PushBatchReply, 429: ErrorReply, 503: ErrorReply }),
      },
    },
    async (request, reply) => {
      const samples = checkedSamples(request.body, request.user.services ? { role: request.user.role, services: request.user.services } : undefined, Date.now(), maxFutureSeconds);
      const distinct = [...new Map(samples.map((s) => [s.key, s] as const)).values()];
      const stored = await store.storeBatch(distinct, Date.now());
      if ('full' in stored) {
        const { service, pending } = stored.full;
        const field = `samples[${samples.findIndex((s) => s.service === service)}].service`;
        throw new AppError(`${field}: ${service} already has ${pending} samples waiting for its watch; at most ${PUSH_MAX_PENDING_PER_SERVICE} (is it marked push: true in the autopilot policy?)`, 429, 'backlog_full', field);
      }
      return reply.code(202).send({ accepted: stored.accepted, duplicate: stored.duplicate + samples.length - distinct.length });
    },
  );
};

/** Every sample in scope with finite values and a believable time, or the first that is not, named by its index. */
function checkedSamples(body: PushBatchBody, scope: { role: 'viewer' | 'operator' | 'admin'; services: string[] } | undefined, now: number, maxFutureSeconds: number): PushedSample[] {
  return body.samples.map((s, i) => {
    assertInScope(scope, s.service, `samples[${i}].service`);
    for (const [metric, value] of Object.entries(s.metrics)) {
      const problem = validateSample(metric, value);
      if (problem) throw new ValidationError(`samples[${i}].metrics.${metric}`, problem);
    }
    const at = Date.parse(s.at);
    const refused = futureAtRefusal(at, now, maxFutureSeconds);
    if (refused) throw new ValidationError(`samples[${i}].at`, refused.reason);
    return { key: sampleKey(s.service, s.id, at, s.metrics), service: s.service, at, metrics: s.metrics };
  });
}

/**
 * `<service>:<id>` (a service name has no `:`), or without an id the digest of what the sample says, so a retried
 * batch is stored once either way.
 */
function sampleKey(service: string, id: string | undefined, at: number, metrics: Record<string, number>): string {
  if (id !== undefined) return `${service}:${id}`;
  const canonical = JSON.stringify([at, Object.keys(metrics).sort().map((m) => [m, metrics[m]])]);
  return `${service}:sha256-${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}`;
}
