// Read endpoints over the audit trail (viewer role): anomalies and snapshots per service and metric over a time
// range, heal attempts with their steps, and the operator's "why" timeline. Keyset-paginated.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from '@sinclair/typebox';
import { ValidationError, NotFoundError } from '../../errors';
import type { Neo4jAuditStore } from '../../adapters/neo4j/audit-store';
import { ErrorReply, MetricName, PageLimit, ServiceName, withErrors } from '../schemas/common';
import { AnomaliesPage, AttemptReply, AttemptsPage, SnapshotsPage, WhyReply } from '../schemas/responses';
import { assertServiceNamed, assertVisible, listFilter } from '../scope-guard';

export type AuditReader = Pick<Neo4jAuditStore, 'listAnomalies' | 'listSnapshots' | 'listAttempts' | 'getAttempt' | 'whyQuery'>;

const DAY_MS = 24 * 3600 * 1000;
const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 50;

// The app's validator does not coerce types (a body's "0.5" must stay a string), so query parameters, which are
// always strings on the wire, are declared as strings and converted here.
export const RangeFields = {
  from: Type.Optional(Type.String({ format: 'date-time', maxLength: 40, description: 'ISO-8601; default: 24 h before `to`' })),
  to: Type.Optional(Type.String({ format: 'date-time', maxLength: 40, description: 'ISO-8601; default: now' })),
  limit: Type.Optional(PageLimit),
  cursor: Type.Optional(Type.String({ maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' })),
};
const SeriesQuery = Type.Object({ service: Type.Optional(ServiceName), metric: Type.Optional(MetricName), ...RangeFields }, { additionalProperties: false });
const AttemptsQuery = Type.Object(
  { service: Type.Optional(ServiceName), include_steps: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])), ...RangeFields },
  { additionalProperties: false },
);
const WhyQuery = Type.Object({ service: ServiceName, from: RangeFields.from, to: RangeFields.to }, { additionalProperties: false });
const AttemptId = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$' }) }, { additionalProperties: false });

export function range(q: { from?: string; to?: string }, defaultWindowMs = DAY_MS): { from: number; to: number } {
  const to = q.to ? Date.parse(q.to) : Date.now();
  const from = q.from ? Date.parse(q.from) : to - defaultWindowMs;
  if (!Number.isFinite(to)) throw new ValidationError('to', 'not a valid ISO-8601 time');
  if (!Number.isFinite(from)) throw new ValidationError('from', 'not a valid ISO-8601 time');
  if (from > to) throw new ValidationError('from', 'must not be after `to`');
  return { from, to };
}

export function limitOf(raw: string | undefined): number {
  const limit = raw === undefined ? DEFAULT_LIMIT : Number(raw);
  if (limit < 1 || limit > MAX_LIMIT) throw new ValidationError('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  return limit;
}

/** The API's snake_case page: the items and the cursor of the next page (null on the last). */
function page<T>(p: { items: T[]; nextCursor: string | null }) {
  return { items: p.items, next_cursor: p.nextCursor };
}

/** `whyMaxWindowSeconds` bounds the one unpaginated answer: /why over at most that long a window. */
export const auditRoutes: FastifyPluginAsyncTypebox<{ audit: AuditReader; whyMaxWindowSeconds?: number }> = async (app, { audit, whyMaxWindowSeconds = 7 * 24 * 3600 }) => {
  const viewer = app.authorize('viewer');
  const common = (ok: TSchema) => ({ tags: ['audit'], response: withErrors({ 200: ok, 404: ErrorReply }) });

  app.get('/anomalies', { onRequest: viewer, schema: { ...common(AnomaliesPage), summary: 'Anomaly events over a time range', querystring: SeriesQuery } }, async (request) => {
    const q = request.query;
    return page(await audit.listAnomalies({ ...range(q), limit: limitOf(q.limit), ...listFilter(request.user, q.service), ...(q.metric ? { metric: q.metric } : {}), ...(q.cursor ? { cursor: q.cursor } : {}) }));
  });

  app.get('/snapshots', { onRequest: viewer, schema: { ...common(SnapshotsPage), summary: 'Metric snapshots over a time range', querystring: SeriesQuery } }, async (request) => {
    const q = request.query;
    return page(await audit.listSnapshots({ ...range(q), limit: limitOf(q.limit), ...listFilter(request.user, q.service), ...(q.metric ? { metric: q.metric } : {}), ...(q.cursor ? { cursor: q.cursor } : {}) }));
  });

  app.get('/attempts', { onRequest: viewer, schema: { ...common(AttemptsPage), summary: 'Heal attempts, optionally with their steps', querystring: AttemptsQuery } }, async (request) => {
    const q = request.query;
    return page(
      await audit.listAttempts({ ...range(q), limit: limitOf(q.limit), includeSteps: q.include_steps === 'true', ...listFilter(request.user, q.service), ...(q.cursor ? { cursor: q.cursor } : {}) }),
    );
  });

  app.get('/attempts/:id', { onRequest: viewer, schema: { ...common(AttemptReply), summary: 'One heal attempt with its steps', params: AttemptId } }, async (request) => {
    const attempt = await audit.getAttempt(request.params.id);
    if (!attempt) throw new NotFoundError(`attempt ${request.params.id}`);
    assertVisible(request.user, attempt.service, `attempt ${request.params.id}`);
    return attempt;
  });

  app.get('/why', { onRequest: viewer, schema: { ...common(WhyReply), summary: 'Why did we (not) act: analyses, diagnoses and heals of a service over a window', querystring: WhyQuery } }, async (request) => {
    assertServiceNamed(request.user, request.query.service);
    const { from, to } = range(request.query);
    if (to - from > whyMaxWindowSeconds * 1000) {
      throw new ValidationError('from', `the window from \`from\` to \`to\` may be at most ${whyMaxWindowSeconds}s (AUDIT_WHY_MAX_WINDOW_SECONDS); page through a longer time with /snapshots and /attempts`);
    }
    return audit.whyQuery(request.query.service, from, to);
  });
};
