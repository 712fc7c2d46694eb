// The audit read endpoints through the real API over real Neo4j data: bad ranges, page sizes and ids are 4xx naming
// the field; cursors walk every page without duplicates or gaps; filters hold; and the "why" endpoint, on a real heal
// followed by one refused by the cooldown, answers "why did we restart X, and why didn't we act later?".
import { randomUUID } from 'node:crypto';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../helpers/stack';
import { createServiceContainer, makeUnhealthy, removeContainers, waitFor } from '../../helpers/containers';
import { deleteServices } from '../../helpers/neo4j';

const API = '/api/self_healing';
let stack: TestStack;
let driver: Driver;
// A window of its own, far from any other test's data: 24 analyses of two services, one minute apart.
const base = Date.parse('2041-01-01T00:00:00Z') + Math.floor(Math.random() * 1e6) * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const window = `from=${iso(base)}&to=${iso(base + 60 * 60_000)}`;
const services = [`audit-a-${randomUUID().slice(0, 8)}`, `audit-b-${randomUUID().slice(0, 8)}`];
const whyService = `audit-why-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  // The heal budget is global to the shared Neo4j: other suites' heals must not exhaust it for this one.
  stack = await startTestStack({ HEAL_BUDGET_MAX: '10000' });
  driver = neo4j.driver(stack.config.neo4j.uri);
  for (let i = 0; i < 12; i++) {
    for (const service of services) {
      // Odd minutes also carry latency_p95, for the metric filter; both services share each minute (ties on `at`).
      const metrics = i % 2 ? { error_rate: 0.08, latency_p95: 450 + i } : { error_rate: 0.08 };
      const res = await stack.call('POST', `${API}/analyze`, { service, at: iso(base + i * 60_000), metrics });
      expect(res.status).toBe(200);
    }
  }
});

afterAll(async () => {
  await removeContainers({ label: `selfheal.service=${whyService}` });
  if (driver) await deleteServices({ driver, database: stack.config.neo4j.database }, [...services, whyService]);
  await driver?.close();
  await stack?.stop();
});

const get = (path: string) => stack.call('GET', `${API}${path}`, undefined, 'viewer');

/** Follows next_cursor to the end; every page within the limit. */
async function walk(path: string, limit: number): Promise<{ id: string; at: number }[]> {
  const items: { id: string; at: number }[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const res = await get(`${path}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...res.body.items);
    cursor = res.body.next_cursor;
    if (!cursor) return items;
  }
  throw new Error('more than 100 pages');
}

describe('bad input is a 4xx naming the field', () => {
  it.each([
    ['a malformed from', `/anomalies?from=yesterday`, 'from'],
    ['a malformed to', `/snapshots?to=2041-13-45T00:00:00Z`, 'to'],
    ['from after to', `/attempts?from=2041-01-02T00:00:00Z&to=2041-01-01T00:00:00Z`, 'from'],
    ['a page size above 1000', `/anomalies?limit=1001`, 'limit'],
    ['a huge page size', `/snapshots?limit=99999999999999`, 'limit'],
    ['a page size of 0', `/attempts?limit=0`, 'limit'],
    ['a page size that is not a number', `/anomalies?limit=ten`, 'limit'],
    ['a cursor we never issued', `/anomalies?cursor=bm90LWEtY3Vyc29y`, 'cursor'],
    ['a cursor with bad characters', `/snapshots?cursor=%25%25`, 'cursor'],
    ['an unknown parameter', `/anomalies?sevrity=high`, 'sevrity'],
    ['a bad service name', `/anomalies?service=a%20b`, 'service'],
    ['include_steps that is not a boolean', `/attempts?include_steps=yes`, 'include_steps'],
    ['a why without a service', `/why?${window}`, 'service'],
    ['an attempt id with a space', `/attempts/a%20b`, 'id'],
  ])('%s', async (_, path, field) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    // Schema errors name the request part first (querystring.limit); range checks name the field alone.
    expect(res.body.field.replace(/^(querystring|params)\./, '')).toBe(field);
  });

  it('an unknown attempt id is a 404', async () => {
    const res = await get(`/attempts/${randomUUID()}`);
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('not_found');
  });

  it('no token is a 401', async () => {
    expect((await fetch(`${stack.baseUrl}${API}/anomalies`)).status).toBe(401);
  });
});

describe('pagination and filters', () => {
  it('walks every snapshot page by page, newest first, without duplicates or gaps', async () => {
    const all = await get(`/snapshots?${window}&limit=1000`);
    const ours = all.body.items.filter((s: { service: string }) => services.includes(s.service));
    expect(ours).toHaveLength(24);
    const walked = await walk(`/snapshots?${window}`, 5);
    expect(walked.map((s) => s.id)).toEqual(all.body.items.map((s: { id: string }) => s.id));
    expect(new Set(walked.map((s) => s.id)).size).toBe(walked.length);
    const keys = walked.map((s) => [s.at, s.id] as const);
    expect([...keys].sort((x, y) => y[0] - x[0] || (y[1] > x[1] ? 1 : -1))).toEqual(keys);
  });

  it('walks every anomaly page and finds exactly what Neo4j holds', async () => {
    const walked = await walk(`/anomalies?${window}&service=${services[0]}`, 2);
    const { records } = await driver.executeQuery('MATCH (a:AnomalyEvent {service: $service}) RETURN a.id AS id', { service: services[0] });
    expect(records.length).toBeGreaterThan(2);
    expect(walked.map((a) => a.id).sort()).toEqual(records.map((r) => r.get('id') as string).sort());
    expect(new Set(walked.map((a) => a.id)).size).toBe(walked.length);
  });

  it('filters by service and by metric', async () => {
    const byService = await get(`/snapshots?${window}&service=${services[1]}`);
    expect(byService.body.items).toHaveLength(12);
    expect(byService.body.items.every((s: { service: string }) => s.service === services[1])).toBe(true);
    const byMetric = await get(`/snapshots?${window}&service=${services[1]}&metric=latency_p95`);
    expect(byMetric.body.items).toHaveLength(6);
    expect(byMetric.body.items.every((s: { metrics: object }) => 'latency_p95' in s.metrics)).toBe(true);
    const anomalies = await get(`/anomalies?${window}&service=${services[1]}&metric=latency_p95`);
    expect(anomalies.body.items.length).toBeGreaterThan(0);
    expect(anomalies.body.items.every((a: { service: string; metric: string }) => a.service === services[1] && a.metric === 'latency_p95')).toBe(true);
  });
});

describe('the why endpoint on a real heal and a heal refused by the cooldown', () => {
  const service = whyService;

  it('shows the analysis, the restart with its steps, and the refusal with its reason, in order', async () => {
    const from = Date.now() - 1000;
    const container = await createServiceContainer(service);
    const context = { services: [service], containers: [container.name] };
    const analysis = await stack.call('POST', `${API}/analyze`, { metrics: { error_rate: 0.08, cpu_load: 0.92, latency_p95: 450 }, context });
    expect(analysis.status).toBe(200);
    const heal = { issue: { diagnosis: analysis.body.diagnosis }, context, dry_run: false, strategy: 'restart_unhealthy', verify: [{ name: 'container_health', params: { hold_seconds: 1 } }] };

    await makeUnhealthy(container.name);
    const applied = await stack.call('POST', `${API}/heal`, heal);
    expect(applied.status).toBe(202);
    await waitFor(async () => (await get(`/heal/${applied.body.workflow_id}`)).body.phase === 'completed', 90_000, 'the heal');

    await makeUnhealthy(container.name);
    const refused = await stack.call('POST', `${API}/heal`, heal);
    expect(refused.status).toBe(422);
    expect(refused.body.reasons.join(' ')).toMatch(/^cooldown: restart_unhealthy last applied/);
    await waitFor(async () => (await get(`/attempts/${refused.body.run_id}`)).body.outcome === 'refused', 30_000, 'the refusal to be recorded');

    const why = await get(`/why?service=${service}&from=${iso(from)}&to=${iso(Date.now())}`);
    expect(why.status).toBe(200);
    const timeline = why.body.timeline;
    expect(timeline.map((e: { kind: string }) => e.kind)).toEqual(['snapshot', 'attempt', 'attempt']);
    const [snapshot, restart, refusal] = timeline;
    expect(snapshot.workflowId).toBe(analysis.body.workflow_id);
    expect(snapshot.anomalies.map((a: { metric: string }) => a.metric).sort()).toEqual(['cpu_load', 'error_rate', 'latency_p95']);
    expect(snapshot.diagnosis.issue_type).toBe(analysis.body.diagnosis.issue_type);

    expect(restart.attempt).toMatchObject({ id: applied.body.run_id, strategy: 'restart_unhealthy', applied: true, verified: true, outcome: 'verified' });
    const steps = restart.steps.map((s: { step: string }) => s.step);
    expect(steps.slice(0, 3)).toEqual(['planned', 'action_started', 'action_completed']);
    expect(steps.slice(-2)).toEqual(['verified', 'completed']);
    expect(restart.steps.map((s: { seq: number }) => s.seq)).toEqual(steps.map((_: string, i: number) => i + 1));

    expect(refusal.attempt).toMatchObject({ id: refused.body.run_id, applied: false, outcome: 'refused' });
    expect(refusal.attempt.reasons.join(' ')).toContain('cooldown');
    expect(refusal.steps.map((s: { step: string }) => s.step)).toEqual(['planned', 'refused', 'completed']);
    expect(snapshot.at).toBeLessThan(restart.at);
    expect(restart.attempt.finishedAt).toBeLessThan(refusal.at);

    // The same attempts through the listing, with their steps.
    const listed = await get(`/attempts?service=${service}&include_steps=true&limit=1`);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0].id).toBe(refused.body.run_id);
    expect(listed.body.items[0].steps).toHaveLength(3);
    const next = await get(`/attempts?service=${service}&include_steps=true&limit=1&cursor=${listed.body.next_cursor}`);
    expect(next.body.items.map((a: { id: string }) => a.id)).toEqual([applied.body.run_id]);
    expect(next.body.next_cursor).toBeNull();
  });
});
