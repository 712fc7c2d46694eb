// POST /analyze through the real API, worker, Temporal and Neo4j: bad input is a 400 naming the field and never
// touches a baseline; concurrent analyses of one service fold every sample exactly once, whichever worker runs them;
// baselines survive a restart of the worker and the API.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteServices } from '../../helpers/neo4j';
import { startTestStack, startTestWorker, type TestStack } from '../../helpers/stack';

const ANALYZE = '/api/self_healing/analyze';
let driver: Driver;
let temporal: Client;
const stacks: TestStack[] = [];
const created: string[] = [];

beforeAll(async () => {
  stacks.push(await startTestStack());
  driver = neo4j.driver(stacks[0]!.config.neo4j.uri);
  temporal = new Client({ connection: await Connection.connect({ address: stacks[0]!.config.temporal.address }) });
});

afterAll(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
  if (driver) await deleteServices({ driver, database: stacks[0]!.config.neo4j.database }, created);
  await driver?.close();
  await temporal?.connection.close();
});

function newService(prefix: string): string {
  const service = `${prefix}-${randomUUID().slice(0, 8)}`;
  created.push(service);
  return service;
}

/** The stored baseline: the store's sample count, and the detector state's own count of folded samples. */
async function baseline(service: string, metric: string): Promise<{ samples: number; folded: number; state: string } | null> {
  const { records } = await driver.executeQuery('MATCH (:Service {name: $service})-[:HAS_BASELINE]->(b:Baseline {metric: $metric}) RETURN b', { service, metric });
  const b = records[0]?.get('b').properties;
  return b ? { samples: b.samples.toNumber(), folded: JSON.parse(b.state).count, state: b.state } : null;
}

async function postRaw(stack: TestStack, text: string): Promise<{ status: number; body: any }> {
  const res = await fetch(stack.baseUrl + ANALYZE, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.token('operator')}`, 'content-type': 'application/json' },
    body: text,
  });
  return { status: res.status, body: await res.json() };
}

function analyzeMany(stack: TestStack, service: string, n: number, value: (i: number) => number) {
  return Promise.all(Array.from({ length: n }, (_, i) => stack.call('POST', ANALYZE, { service, metrics: { error_rate: value(i) } })));
}

/** The identity of the worker that ran each analysis (its workflow task completion in the history). */
async function workerOf(workflowId: string): Promise<string> {
  const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
  const completed = history.events?.find((e) => e.workflowTaskCompletedEventAttributes);
  return completed!.workflowTaskCompletedEventAttributes!.identity!;
}

describe('bad input: a 400 naming the field, and the baselines stay exactly as they were', () => {
  const service = newService('analyze-bad');
  const firstAt = '2025-01-01T00:00:00.000Z';
  let before: Awaited<ReturnType<typeof baseline>>[];

  beforeAll(async () => {
    const res = await stacks[0]!.call('POST', ANALYZE, { service, at: firstAt, metrics: { error_rate: 0.01, latency_p95: 120 } });
    expect(res.status).toBe(200);
    before = [await baseline(service, 'error_rate'), await baseline(service, 'latency_p95')];
    expect(before.map((b) => b?.samples)).toEqual([1, 1]);
  });

  const body = (fields: string) => `{"service":"${service}",${fields}}`;
  it.each([
    ['+Infinity (1e400 in JSON)', body('"metrics":{"error_rate":1e400}'), 'metrics.error_rate'],
    ['-Infinity (-1e400 in JSON)', body('"metrics":{"error_rate":-1e400}'), 'metrics.error_rate'],
    ['a number string', body('"metrics":{"error_rate":"0.5"}'), 'metrics.error_rate'],
    ['a NaN string', body('"metrics":{"error_rate":"NaN"}'), 'metrics.error_rate'],
    ['null', body('"metrics":{"error_rate":null}'), 'metrics.error_rate'],
    ['an empty string', body('"metrics":{"error_rate":""}'), 'metrics.error_rate'],
    ['a negative latency', body('"metrics":{"latency_p95":-3}'), 'metrics.latency_p95'],
    ['a negative error rate', body('"metrics":{"error_rate":-0.01}'), 'metrics.error_rate'],
    ['a bad value beside a good one', body('"metrics":{"error_rate":0.02,"latency_p95":-1}'), 'metrics.latency_p95'],
    ['too many metrics', body(`"metrics":${JSON.stringify(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`m${i}`, 1])))}`), 'metrics'],
    ['no metrics', body('"metrics":{}'), 'metrics'],
    ['a metric name with a space', body('"metrics":{"error rate":0.1}'), 'metrics.error rate'],
    ['an unknown field', body('"metrics":{"error_rate":0.02},"bogus":1'), 'bogus'],
    ['a service name with a space', '{"service":"check out","metrics":{"error_rate":0.02}}', 'service'],
    ['a service name with a slash', '{"service":"../etc","metrics":{"error_rate":0.02}}', 'service'],
    ['a service name of 64 characters', `{"service":"${'s'.repeat(64)}","metrics":{"error_rate":0.02}}`, 'service'],
    ['a malformed time', body('"at":"yesterday","metrics":{"error_rate":0.02}'), 'at'],
  ])('%s', async (_, text, field) => {
    const res = await postRaw(stacks[0]!, text);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_error');
    // Schema errors name the request part first (body.metrics.x); the engine's own checks name the field alone.
    expect(res.body.field.replace(/^body\./, '')).toBe(field);
    expect(res.body.message).toContain(field);
  });

  it('a body that is not JSON is a 400 too', async () => {
    const res = await postRaw(stacks[0]!, '{"metrics":');
    expect(res.status).toBe(400);
  });

  it('no refused request touched a baseline', async () => {
    expect([await baseline(service, 'error_rate'), await baseline(service, 'latency_p95')]).toEqual(before);
  });
});

describe('late samples: recorded and marked late, never refused, and the baseline stays where it is', () => {
  const service = newService('analyze-late');
  const firstAt = '2026-01-01T00:00:00.000Z';

  it.each([
    ['the time of the last sample again', firstAt, { error_rate: 0.02 }],
    ['a time before the last sample', '2025-12-31T23:59:00.000Z', { error_rate: 0.02, latency_p95: 100 }],
  ])('%s', async (_, at, metrics) => {
    const first = await stacks[0]!.call('POST', ANALYZE, { service, at: firstAt, metrics: { error_rate: 0.01, latency_p95: 120 } });
    expect([200]).toContain(first.status);
    const before = [await baseline(service, 'error_rate'), await baseline(service, 'latency_p95')];
    const res = await stacks[0]!.call('POST', ANALYZE, { service, at, metrics });
    expect(res.status).toBe(200);
    expect(res.body.late_metrics.sort()).toEqual(Object.keys(metrics).sort());
    expect([await baseline(service, 'error_rate'), await baseline(service, 'latency_p95')]).toEqual(before);
    const { records } = await driver.executeQuery('MATCH (m:MetricSnapshot {id: $id}) RETURN m.late AS late', { id: res.body.workflow_id });
    expect(records.map((r) => r.get('late'))).toEqual([true]);
  });
});

describe('an Idempotency-Key makes a retried analysis the same analysis', () => {
  it('answers the retry with the first result, records one snapshot and folds the sample once', async () => {
    const service = newService('analyze-idem');
    const key = `sample-${randomUUID()}`;
    const post = () =>
      fetch(stacks[0]!.baseUrl + ANALYZE, {
        method: 'POST',
        headers: { authorization: `Bearer ${stacks[0]!.token('operator')}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ service, at: '2026-01-02T00:00:00.000Z', metrics: { error_rate: 0.02 } }),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const first = await post();
    const again = await post();
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body).toEqual(first.body);
    expect(first.body.workflow_id).toBe(`analyze-${service}-${key}`);
    expect(await baseline(service, 'error_rate')).toMatchObject({ samples: 1, folded: 1 });
    const { records } = await driver.executeQuery('MATCH (:Service {name: $service})-[:HAS_SNAPSHOT]->(m) RETURN count(m) AS n', { service });
    expect(records[0]!.get('n').toNumber()).toBe(1);
  });

  it('refuses a malformed key with a 400 naming the header', async () => {
    const res = await fetch(stacks[0]!.baseUrl + ANALYZE, {
      method: 'POST',
      headers: { authorization: `Bearer ${stacks[0]!.token('operator')}`, 'content-type': 'application/json', 'idempotency-key': 'has spaces/and slashes' },
      body: JSON.stringify({ metrics: { error_rate: 0.02 } }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).field).toContain('idempotency-key');
  });
});

describe('concurrent analyses of one service', () => {
  it('40 at once fold exactly 40 samples, each response counting a distinct one', async () => {
    const service = newService('analyze-concurrent');
    const responses = await analyzeMany(stacks[0]!, service, 40, (i) => 0.01 + (i % 5) * 0.001);
    expect(responses.map((r) => r.status)).toEqual(Array(40).fill(200));
    const counts = responses.map((r) => r.body.sample_counts.error_rate as number).sort((a, b) => a - b);
    expect(counts).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // folded: none of them was refused by the detector as out of order (which the store's count alone would hide).
    expect(await baseline(service, 'error_rate')).toMatchObject({ samples: 40, folded: 40 });
  });

  it('two workers on one task queue share the baselines: the count stays exact across them', async () => {
    // Analyses go to the workers' queue (not eagerly to the API's own worker), so which worker ran each is known.
    const stack = await startTestStack({ ANALYZE_SHAPE: 'workflow' }, { worker: false });
    stacks.push(stack);
    const service = newService('analyze-two-workers');
    const a = await startTestWorker(stack.config, 'worker-a');
    let b: Awaited<ReturnType<typeof startTestWorker>> | undefined;
    let aStopped = false;
    try {
      // Only a, then a and b together, then only b: b must continue from what a folded.
      const onlyA = await analyzeMany(stack, service, 10, () => 0.012);
      b = await startTestWorker(stack.config, 'worker-b');
      const both = await analyzeMany(stack, service, 20, (i) => 0.01 + (i % 3) * 0.001);
      await a.stop();
      aStopped = true;
      const onlyB = await analyzeMany(stack, service, 10, () => 0.011);
      const responses = [...onlyA, ...both, ...onlyB];
      expect(responses.map((r) => r.status)).toEqual(Array(40).fill(200));
      const counts = responses.map((r) => r.body.sample_counts.error_rate as number).sort((x, y) => x - y);
      expect(counts).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(await baseline(service, 'error_rate')).toMatchObject({ samples: 40, folded: 40 });
      const servedBy = async (rs: typeof responses) => new Set(await Promise.all(rs.map((r) => workerOf(r.body.workflow_id))));
      expect(await servedBy(onlyA)).toEqual(new Set(['worker-a']));
      expect(await servedBy(onlyB)).toEqual(new Set(['worker-b']));
    } finally {
      if (!aStopped) await a.stop();
      await b?.stop();
    }
  });
});

describe('a restart of the worker and the API', () => {
  it('keeps the baseline: the count goes on and a spike right after the restart is still judged against it', async () => {
    const service = newService('analyze-restart');
    const start = Date.parse('2025-02-01T00:00:00.000Z');
    const at = (i: number) => new Date(start + i * 60_000).toISOString();
    const before = await startTestStack();
    try {
      for (let i = 0; i < 25; i++) {
        const res = await before.call('POST', ANALYZE, { service, at: at(i), metrics: { latency_p95: 100 + (i % 3) } });
        expect(res.status).toBe(200);
      }
    } finally {
      await before.stop();
    }

    const after = await startTestStack();
    stacks.push(after);
    const spike = await after.call('POST', ANALYZE, { service, at: at(25), metrics: { latency_p95: 200 } });
    expect(spike.status).toBe(200);
    expect(spike.body.sample_counts.latency_p95).toBe(26);
    expect(spike.body.anomalies).toMatchObject([{ metric: 'latency_p95', severity: 'high' }]);
    expect(await baseline(service, 'latency_p95')).toMatchObject({ samples: 26, folded: 26 });

    // The control: a service without history does not flag the same value (its cold-start prior is 150 ± 60).
    const fresh = await after.call('POST', ANALYZE, { service: newService('analyze-fresh'), at: at(25), metrics: { latency_p95: 200 } });
    expect(fresh.body.anomalies).toEqual([]);
  });
});
