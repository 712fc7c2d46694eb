// The autopilot's operator routes through the real app (buildApp().inject) on in-memory fakes: the policy read by
// any reader (a scoped token sees its own services only) and replaced by an admin only, validated by the file's own
// parser (400 naming the field), audited, and its watches started; incidents with timelines; shadow comparisons;
// a suggestion started through the heal API with the person as actor; the causal why. Roles are also covered by
// the auth matrix (every documented endpoint).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Client, WithStartWorkflowOperation } from '@temporalio/client';
import { buildApp } from '../../../src/api/app';
import { loadConfig } from '../../../src/config';
import { signToken, type Role } from '../../../src/auth/jwt';
import type { HealInput, HealPlan } from '../../../src/domain/heal';
import type { DecisionRecord } from '../../../src/adapters/neo4j/autopilot-reads';
import { FakeAutopilotApi } from '../../fakes/autopilot-api';
import { fakeAppDeps } from '../../helpers/fake-app';

const config = loadConfig({ LOG_LEVEL: 'silent' });
const token = (role: Role, sub = `t-${role}`, services?: string[]) => signToken(config, { sub, role, ...(services ? { services } : {}) });
const T = Date.parse('2026-06-01T12:00:00.000Z');

let fake: FakeAutopilotApi;
/** The heal inputs the fake Temporal client was asked to start. */
const started: HealInput[] = [];
const plan: HealPlan = {
  attempt_id: 'run-9', workflow_id: 'heal-api', service: 'api', dry_run: false, issue_type: 'crash_loop', root_cause: 'unhealthy', strategy: 'restart_unhealthy', risk: 'low',
  selection: { method: 'explicit', reason: 'the suggested strategy', candidates: ['restart_unhealthy'], samples: [] }, steps: [], safety_checks: [], allowed: true, requires_approval: false,
  approval_reasons: [], circuit_breaker_open: false, approval_timeout_seconds: 600, backpressure_release_seconds: 900, verifiers: [], verification: { interval_seconds: 2, max_checks: 10, consecutive_required: 2 },
};
const temporal = {
  workflow: {
    executeUpdateWithStart: async (_update: unknown, { startWorkflowOperation }: { startWorkflowOperation: WithStartWorkflowOperation<never> }) => {
      started.push((startWorkflowOperation.options.args as unknown as [HealInput])[0]);
      return plan;
    },
  },
} as unknown as Client;

let app: FastifyInstance;
beforeAll(async () => {
  fake = new FakeAutopilotApi();
  app = await buildApp(fakeAppDeps(config, { temporal, knownIssueTypes: new Set(['crash_loop', 'degradation']), autopilot: fake }));
});
afterAll(async () => {
  await app?.close();
});
beforeEach(() => {
  fake.policy = null;
  fake.changeLog.length = 0;
  fake.watchesStarted.length = 0;
  fake.queries.length = 0;
  fake.failWatches = null;
  started.length = 0;
});

const YAML = 'default: shadow\nservices:\n  api:\n    strategies:\n      restart_unhealthy: suggest\n  billing: {}\n';

function put(body: string | object, role: Role = 'admin', contentType = typeof body === 'string' ? 'application/yaml' : 'application/json') {
  return app.inject({ method: 'PUT', url: '/api/self_healing/autopilot/policy', headers: { authorization: `Bearer ${token(role, 'root')}`, 'content-type': contentType }, payload: typeof body === 'string' ? body : JSON.stringify(body) });
}
const get = (url: string, bearer = token('viewer')) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${bearer}` } });

describe('the policy', () => {
  it('is not stored at first (the autopilot is off); an admin replaces it with YAML, audited, and its watches are started', async () => {
    expect((await get('/api/self_healing/autopilot/policy')).json()).toEqual({ stored: false, version: null, source: null, updated_at: null, updated_by: null, default: 'shadow', services: {}, document: null });
    const res = await put(YAML);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ changed: true, previous_version: null, watched: ['api', 'billing'], watches_started: ['watch-api', 'watch-billing'], watch_error: null });
    expect(body.version).toMatch(/^[0-9a-f]{16}$/);
    expect(fake.changeLog).toEqual([expect.objectContaining({ actor: 'root', oldVersion: null, newVersion: body.version, newDocument: YAML })]);

    const read = await get('/api/self_healing/autopilot/policy');
    expect(read.json()).toEqual({
      stored: true,
      version: body.version, source: 'api', updated_at: expect.any(Number), updated_by: 'root', default: 'shadow',
      services: { api: { default: null, strategies: { restart_unhealthy: 'suggest' } }, billing: { default: null, strategies: {} } },
      document: YAML,
    });
  });

  it('takes JSON too; the same document again changes nothing; the audit keeps old and new', async () => {
    await put(YAML);
    const json = { default: 'shadow', services: { api: { strategies: { restart_unhealthy: 'auto' } } } };
    const first = (await put(json)).json();
    expect(first).toMatchObject({ changed: true, watched: ['api'] });
    expect((await put(json)).json()).toMatchObject({ changed: false, version: first.version, change_id: null });
    const changes = await app.inject({ method: 'GET', url: '/api/self_healing/autopilot/policy/changes', headers: { authorization: `Bearer ${token('viewer')}` } });
    expect(changes.json().items.map((c: { old_version: string | null; new_version: string; new_document: string; old_document: string | null }) => [c.old_version !== null, c.new_version, JSON.parse(c.new_document.startsWith('{') ? c.new_document : '{}')])).toEqual([
      [true, first.version, json],
      [false, expect.any(String), {}],
    ]);
    expect(changes.json().items[0].old_document).toBe(YAML);
  });

  it('refuses a bad document with 400 naming the field and the reason, and stores nothing', async () => {
    const cases: [string | object, string, RegExp][] = [
      ['services:\n  api:\n    strategies:\n      restart_unhealthy: always\n', 'services.api.strategies.restart_unhealthy', /"always" is not a level; one of off, shadow, suggest, approve, auto/],
      ['services:\n  api:\n    strategies:\n      reboot_the_world: auto\n', 'services.api.strategies.reboot_the_world', /unknown strategy/],
      ['services: [api]\n', 'services', /expected a mapping/],
      ['default: shadow\n  services: {\n', 'body', /./],
      [{ services: { 'no way!': {} } }, 'services.no way!', /not a valid service name/],
      [{ default: 'auto', extra: 1 }, 'extra', /unknown field/],
      [{ services: { api: { scrape: [{ url: 'http://169.254.169.254/metrics' }] } } }, 'services.api.scrape[0].url', /not under a VERIFY_HTTP_ALLOWLIST prefix/],
    ];
    for (const [doc, field, reason] of cases) {
      const res = await put(doc);
      expect(res.statusCode, JSON.stringify(doc)).toBe(400);
      expect(res.json(), JSON.stringify(doc)).toMatchObject({ error: 'validation_error', field });
      expect(res.json().message).toMatch(reason);
    }
    expect(fake.policy).toBeNull();
    expect(fake.watchesStarted).toEqual([]);
  });

  it('is for admins only to replace; a body over the limit is a 413', async () => {
    expect((await put(YAML, 'operator')).statusCode).toBe(403);
    expect((await put(YAML, 'viewer')).statusCode).toBe(403);
    expect((await put(`# ${'x'.repeat(300 * 1024)}\n`)).statusCode).toBe(413);
    expect(fake.policy).toBeNull();
  });

  it('is stored even when the watches cannot be started now (the next worker start does)', async () => {
    fake.failWatches = new Error('temporal unavailable');
    const res = await put(YAML);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ changed: true, watches_started: [], watch_error: expect.stringContaining('temporal unavailable') });
  });

  it('shows a scoped token its own services only, without the document, and not the changes', async () => {
    await put(YAML);
    const scoped = token('viewer', 'team-api', ['api']);
    expect((await get('/api/self_healing/autopilot/policy', scoped)).json()).toMatchObject({ services: { api: expect.any(Object) }, document: null });
    expect(Object.keys((await get('/api/self_healing/autopilot/policy', scoped)).json().services)).toEqual(['api']);
    const changes = await get('/api/self_healing/autopilot/policy/changes', scoped);
    expect(changes.statusCode).toBe(403);
    expect(changes.json()).toMatchObject({ error: 'out_of_scope' });
  });
});

const incident = { id: 'incident:watch-api:r:1', service: 'api', status: 'open' as const, openedAt: T, closedAt: null, escalatedAt: null, escalation: null, troubles: ['container:api-1:unhealthy'], attempts: 0, lastOutcome: null };
const suggestion: DecisionRecord = {
  id: `${incident.id}:1`, at: T, level: 'suggest', strategy: 'restart_unhealthy', reason: 'suggested', result: 'recorded', policyRule: 'services.api.strategies.restart_unhealthy', policyVersion: 'abcd',
  acceptedBy: null, acceptedAt: null, service: 'api', incidentId: incident.id, incidentStatus: 'open',
  offer: {
    service: 'api',
    issue: { diagnosis: { issue_type: 'crash_loop', root_cause: 'unhealthy', confidence: 0.9, impacted_components: ['api'], recommended_strategies: ['restart_unhealthy'] } },
    context: { services: ['api'], containers: ['api-1'] },
    strategy: 'restart_unhealthy',
    dry_run: false,
    skip_if_healthy: true,
  },
};

describe('incidents, shadow comparisons and the why', () => {
  it('lists incidents with their timeline and, for an open suggestion, the route that starts it', async () => {
    fake.incidents = [{ incident, decisions: [suggestion], attempts: [] }];
    const res = await get('/api/self_healing/autopilot/incidents?service=api&limit=5');
    expect(res.statusCode).toBe(200);
    const [item] = res.json().items;
    expect(item.decisions[0]).toMatchObject({ level: 'suggest', start: `/api/self_healing/autopilot/decisions/${encodeURIComponent(suggestion.id)}/start` });
    expect(item.timeline.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'decision']);
    expect(fake.queries.at(-1)).toMatchObject({ service: 'api', limit: 5 });
    // A scoped token lists its own services; naming another is refused.
    await get('/api/self_healing/autopilot/incidents', token('viewer', 'team', ['api', 'cart-*']));
    expect(fake.queries.at(-1)).toMatchObject({ servicePatterns: ['api', 'cart-*'] });
    expect((await get('/api/self_healing/autopilot/incidents?service=billing', token('viewer', 'team', ['api']))).statusCode).toBe(403);
    expect((await get('/api/self_healing/autopilot/incidents?limit=201')).statusCode).toBe(400);
  });

  it('compares shadow decisions per (service, strategy) over a window (30 days by default)', async () => {
    fake.shadows = [
      { service: 'api', strategy: 'restart_unhealthy', decidedAt: T, openedAt: T, closedAt: T + 4000, attempts: 0, escalated: false },
      { service: 'api', strategy: 'restart_unhealthy', decidedAt: T, openedAt: T, closedAt: null, attempts: 0, escalated: false },
    ];
    const res = await get('/api/self_healing/autopilot/shadow?to=2026-06-02T00:00:00.000Z');
    expect(res.json()).toEqual({
      from: Date.parse('2026-06-02T00:00:00.000Z') - 30 * 24 * 3600 * 1000,
      to: Date.parse('2026-06-02T00:00:00.000Z'),
      truncated: false,
      strategies: [{ service: 'api', strategy: 'restart_unhealthy', decisions: 2, self_resolved: 1, self_resolved_share: 0.5, healed_later: 0, still_active: 1, median_self_resolved_ms: 4000, p95_self_resolved_ms: 4000, median_resolved_ms: 4000, p95_resolved_ms: 4000 }],
    });
    const bad = await get('/api/self_healing/autopilot/shadow?from=2026-06-03T00:00:00.000Z&to=2026-06-02T00:00:00.000Z');
    expect([bad.statusCode, bad.json().field]).toEqual([400, 'from']);
  });

  it('answers why at a moment for one service in scope', async () => {
    fake.why = { service: 'api', at: T, sight: { blind: false, reason: null, since: T - 1000 }, incident, anomalies: [], diagnoses: [], decisions: [{ ...suggestion, policy: { version: 'abcd', source: 'api', actor: 'root', at: T - 5000 }, attempt: null }] };
    const res = await get(`/api/self_healing/why/autopilot?service=api&at=${new Date(T).toISOString()}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ incident: { id: incident.id }, decisions: [{ level: 'suggest', policy: { version: 'abcd', actor: 'root' } }] });
    expect(res.json().answer).toContain('suggest under services.api.strategies.restart_unhealthy of policy abcd');
    expect((await get('/api/self_healing/why/autopilot')).json()).toMatchObject({ error: 'validation_error' });
    expect((await get('/api/self_healing/why/autopilot?service=api&at=yesterday')).statusCode).toBe(400);
    expect((await get('/api/self_healing/why/autopilot?service=billing', token('viewer', 'team', ['api']))).statusCode).toBe(403);
  });
});

describe('starting a suggested heal', () => {
  const start = (id: string, bearer = token('operator', 'alice')) =>
    app.inject({ method: 'POST', url: `/api/self_healing/autopilot/decisions/${encodeURIComponent(id)}/start`, headers: { authorization: `Bearer ${bearer}` } });

  it('starts the offered heal through the heal API with the person as actor, and marks the suggestion taken', async () => {
    fake.decisions.set(suggestion.id, suggestion);
    const res = await start(suggestion.id);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ workflow_id: 'heal-api', run_id: 'run-9', status: 'running' });
    expect(started).toEqual([expect.objectContaining({ service: 'api', strategy: 'restart_unhealthy', actor: 'alice', dryRun: false, skipIfHealthy: true, context: { services: ['api'], containers: ['api-1'] } })]);
    expect(fake.accepted.at(-1)).toEqual({ id: suggestion.id, actor: 'alice', heal: { workflowId: 'heal-api', attemptId: 'run-9' } });
  });

  it('is 404 for an unknown decision or one of another service, 409 for a decision that offers nothing or an incident resolved, 403 for a viewer', async () => {
    fake.decisions.set(suggestion.id, suggestion);
    fake.decisions.set('shadowed', { ...suggestion, id: 'shadowed', level: 'shadow', offer: null });
    fake.decisions.set('resolved', { ...suggestion, id: 'resolved', incidentStatus: 'resolved' });
    expect((await start('nope')).statusCode).toBe(404);
    expect((await start(suggestion.id, token('operator', 'team', ['billing']))).statusCode).toBe(404);
    expect((await start('shadowed')).statusCode).toBe(409);
    expect((await start('resolved')).json()).toMatchObject({ error: 'conflict', message: expect.stringContaining('resolved') });
    expect((await start(suggestion.id, token('viewer'))).statusCode).toBe(403);
    expect((await start('bad id!')).statusCode).toBe(400);
    expect(started).toEqual([]);
  });
});
