// The operator's side of the autopilot (docs/autopilot.md): the autonomy policy, read by any reader and replaced by an
// admin (validated by the file's own parser, audited in Neo4j, picked up by running watches without a restart); the
// incidents with their timelines; the heal a `suggest` decision offers, started by a person through the normal heal
// API; shadow decisions compared with what happened next; and the causal why at a moment.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { PolicyStore, StoredPolicy } from '../../adapters/ports';
import type { Neo4jAutopilotReads } from '../../adapters/neo4j/autopilot-reads';
import { compareShadows, DEFAULT_LEVEL, incidentTimeline, PolicyFileError, suggestionStartPath, watchedServices, whyAnswer, type AutopilotPolicy } from '../../domain/autopilot';
import { scopeAllows, unscoped } from '../../auth/scope';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors';
import { policyFromText, policyVersion } from '../../main/autopilot';
import { ConflictReply, HealDryRunReply, HealRefusedReply, HealStartedReply } from '../schemas/responses';
import { AutopilotWhyReply, IncidentsReply, PolicyChangedReply, PolicyChangesReply, PolicyReply, ShadowReply } from '../schemas/autopilot';
import { ErrorReply, ServiceName, withErrors } from '../schemas/common';
import type { HealBody } from '../schemas/self-healing';
import type { SelfHealingApi } from '../self-healing-api';
import { assertServiceNamed, assertVisible, listFilter } from '../scope-guard';
import { limitOf, range, RangeFields } from './audit';
import { actor } from './self-healing';

export interface AutopilotApiDeps {
  policies: Pick<PolicyStore, 'current' | 'replace' | 'changes'>;
  reads: Pick<Neo4jAutopilotReads, 'listIncidents' | 'shadowOutcomes' | 'getDecision' | 'markAccepted' | 'whyAt'>;
  /** Starts the watch of every service the policy names (running ones are left alone); returns their workflow ids. */
  startWatches(policy: AutopilotPolicy): Promise<string[]>;
  /** The prefixes a policy's Prometheus targets must be under (VERIFY_HTTP_ALLOWLIST, as for the worker's file). */
  scrapeAllowlist: readonly string[];
}

/** A policy document is small; a bigger body is a mistake, not a policy. */
export const MAX_POLICY_BYTES = 256 * 1024;
const DAY_MS = 24 * 3600 * 1000;
/** Shadow decisions compared in one answer, newest first. */
const MAX_SHADOW_DECISIONS = 10_000;

const IncidentsQuery = Type.Object(
  { service: Type.Optional(ServiceName), from: RangeFields.from, to: RangeFields.to, limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]?|1[0-9]{2}|200)$', description: '1 to 200; default 20' })) },
  { additionalProperties: false },
);
const ShadowQuery = Type.Object(
  { service: Type.Optional(ServiceName), from: Type.Optional(Type.String({ format: 'date-time', maxLength: 40, description: 'ISO-8601; default: 30 days before `to`' })), to: RangeFields.to },
  { additionalProperties: false },
);
const WhyAtQuery = Type.Object({ service: ServiceName, at: Type.Optional(Type.String({ format: 'date-time', maxLength: 40, description: 'ISO-8601; default: now' })) }, { additionalProperties: false });
const DecisionId = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,299}$' }) }, { additionalProperties: false });
const PolicyBody = Type.Unsafe<string | Record<string, unknown>>({
  description: 'the whole policy, as YAML (`Content-Type: application/yaml`, `text/yaml` or `text/plain`) or as JSON (the same structure)',
  type: ['string', 'object'],
  // As everywhere in the API, an unknown field of a JSON body is refused by the schema; the parser checks the rest.
  properties: { default: {}, services: {} },
  additionalProperties: false,
  examples: [{ default: 'shadow', services: { checkout: { strategies: { restart_unhealthy: 'suggest' } } } }],
});

function policyReply(stored: StoredPolicy, policy: AutopilotPolicy, visible: (service: string) => boolean, whole: boolean) {
  return {
    stored: true,
    version: stored.version,
    source: stored.source,
    updated_at: stored.updatedAt,
    updated_by: stored.updatedBy,
    default: policy.defaultLevel,
    services: Object.fromEntries(
      Object.entries(policy.services)
        .filter(([name]) => visible(name))
        .map(([name, sp]) => [name, { default: sp.defaultLevel, strategies: sp.strategies }]),
    ),
    document: whole ? stored.text : null,
  };
}

export const autopilotRoutes: FastifyPluginAsyncTypebox<{ autopilot: AutopilotApiDeps; api: SelfHealingApi }> = async (app, { autopilot, api }) => {
  const { policies, reads } = autopilot;
  const viewer = app.authorize('viewer');
  const tags = ['autopilot'];
  // YAML arrives as text (text/plain too: Fastify's own parser); JSON through Fastify's own parser (an object, stored as its canonical JSON text).
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string', bodyLimit: MAX_POLICY_BYTES }, (_request, body, done) => done(null, body));

  app.get('/autopilot/policy', { onRequest: viewer, schema: { tags, summary: 'The autonomy policy in force', response: withErrors({ 200: PolicyReply }) } }, async (request) => {
    const stored = await policies.current();
    // No policy is an answer (the autopilot is off), not a missing resource.
    if (!stored) return { stored: false, version: null, source: null, updated_at: null, updated_by: null, default: DEFAULT_LEVEL, services: {}, document: null };
    const scope = request.user;
    return policyReply(stored, policyFromText(stored.text, stored.source), (s) => scopeAllows(scope, s), unscoped(scope));
  });

  app.put(
    '/autopilot/policy',
    {
      onRequest: app.authorize('admin'),
      bodyLimit: MAX_POLICY_BYTES,
      schema: {
        tags,
        summary: 'Replace the autonomy policy (admin; validated like the file, audited, picked up by running watches)',
        body: PolicyBody,
        response: withErrors({ 200: PolicyChangedReply }),
      },
    },
    async (request) => {
      const text = typeof request.body === 'string' ? request.body : `${JSON.stringify(request.body, null, 2)}\n`;
      let policy: AutopilotPolicy;
      try {
        policy = policyFromText(text, 'api', autopilot.scrapeAllowlist);
      } catch (err) {
        if (err instanceof PolicyFileError) throw new ValidationError(err.field === '(syntax)' || err.field === '(root)' ? 'body' : err.field, err.reason);
        throw err;
      }
      const { policy: stored, change } = await policies.replace({ text, version: policyVersion(text) }, request.user.sub, Date.now());
      // Running watches re-read the policy by themselves; a service it adds needs its watch started now.
      let started: string[] = [];
      let watchError: string | null = null;
      try {
        started = await autopilot.startWatches(policy);
      } catch (err) {
        request.log.warn({ err }, 'watches of the new policy not started; the next worker start starts them');
        watchError = `watches not started (the next worker start does): ${(err as Error).message}`;
      }
      return { changed: change !== null, version: stored.version, previous_version: change?.oldVersion ?? null, change_id: change?.id ?? null, watched: watchedServices(policy), watches_started: started, watch_error: watchError };
    },
  );

  app.get(
    '/autopilot/policy/changes',
    { onRequest: viewer, schema: { tags, summary: 'The audited changes of the policy, newest first (not for scoped tokens)', querystring: Type.Object({ limit: Type.Optional(RangeFields.limit) }, { additionalProperties: false }), response: withErrors({ 200: PolicyChangesReply }) } },
    async (request) => {
      // A change holds the whole document, which names every service.
      if (!unscoped(request.user)) throw new AppError('the policy changes name every service; a scoped token may not read them', 403, 'out_of_scope', 'service');
      const changes = await policies.changes(limitOf(request.query.limit));
      return {
        items: changes.map((c) => ({ id: c.id, at: c.at, actor: c.actor, source: c.source, old_version: c.oldVersion, new_version: c.newVersion, old_document: c.oldDocument, new_document: c.newDocument })),
      };
    },
  );

  app.get(
    '/autopilot/incidents',
    { onRequest: viewer, schema: { tags, summary: 'Incidents active in a window, with their decisions, heals and timeline', querystring: IncidentsQuery, response: withErrors({ 200: IncidentsReply }) } },
    async (request) => {
      const q = request.query;
      const items = await reads.listIncidents({ ...range(q), limit: q.limit ? Number(q.limit) : 20, ...listFilter(request.user, q.service) });
      return {
        items: items.map(({ incident, decisions, attempts }) => ({
          incident,
          decisions: decisions.map((d) => ({ ...d, start: d.level === 'suggest' && !d.acceptedBy && incident.closedAt === null ? suggestionStartPath(d.id) : null })),
          attempts,
          timeline: incidentTimeline(incident, decisions, attempts),
        })),
      };
    },
  );

  app.post(
    '/autopilot/decisions/:id/start',
    {
      onRequest: app.authorize('operator'),
      schema: {
        tags,
        summary: 'Start the heal a suggest decision offers, through the heal API, with you as its actor',
        params: DecisionId,
        response: withErrors({ 200: HealDryRunReply, 202: HealStartedReply, 404: ErrorReply, 409: ConflictReply, 422: HealRefusedReply }),
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const decision = await reads.getDecision(id);
      if (!decision) throw new NotFoundError(`decision ${id}`);
      assertVisible(request.user, decision.service, `decision ${id}`);
      if (decision.level !== 'suggest' || decision.offer === null) throw new ConflictError(`decision ${id} was ${decision.level}, not a suggestion: there is no heal to start`);
      if (decision.incidentStatus === 'resolved') throw new ConflictError(`incident ${decision.incidentId} has resolved: the suggested heal is no longer needed`);
      const who = actor(request);
      const started = await api.heal(decision.offer as HealBody, who);
      if (started.status === 202) await reads.markAccepted(id, who.sub, Date.now(), { workflowId: started.body.workflow_id, attemptId: started.body.run_id });
      return reply.code(started.status).send(started.body);
    },
  );

  app.get(
    '/autopilot/shadow',
    { onRequest: viewer, schema: { tags, summary: 'Shadow decisions compared with what happened next, per (service, strategy)', querystring: ShadowQuery, response: withErrors({ 200: ShadowReply }) } },
    async (request) => {
      const q = request.query;
      const { from, to } = range(q, 30 * DAY_MS);
      const outcomes = await reads.shadowOutcomes({ from, to, limit: MAX_SHADOW_DECISIONS, ...listFilter(request.user, q.service) });
      return {
        from,
        to,
        truncated: outcomes.length >= MAX_SHADOW_DECISIONS,
        strategies: compareShadows(outcomes).map((c) => ({
          service: c.service,
          strategy: c.strategy,
          decisions: c.decisions,
          self_resolved: c.selfResolved,
          self_resolved_share: c.selfResolvedShare,
          healed_later: c.healedLater,
          still_active: c.stillActive,
          median_self_resolved_ms: c.medianSelfResolvedMs,
          p95_self_resolved_ms: c.p95SelfResolvedMs,
          median_resolved_ms: c.medianResolvedMs,
          p95_resolved_ms: c.p95ResolvedMs,
        })),
      };
    },
  );

  app.get(
    '/why/autopilot',
    { onRequest: viewer, schema: { tags: ['audit'], summary: "Why did (or didn't) the autopilot act on a service at a moment: the path from the incident active then", querystring: WhyAtQuery, response: withErrors({ 200: AutopilotWhyReply }) } },
    async (request) => {
      const { service } = request.query;
      assertServiceNamed(request.user, service);
      const at = request.query.at ? Date.parse(request.query.at) : Date.now();
      if (!Number.isFinite(at)) throw new ValidationError('at', 'not a valid ISO-8601 time');
      const why = await reads.whyAt(service, at);
      return { ...why, answer: whyAnswer(why) };
    },
  );
};
