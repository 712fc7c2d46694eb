// POST /api/self_healing/metrics/batch through buildApp().inject on fakes: who may push, what is refused and why
// (naming the sample's index and field), a retried batch stored once, and Neo4j out of reach as a 503.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { error as neo4jErrors, Neo4jError } from 'neo4j-driver';
import { buildApp } from '../../../src/api/app';
import { loadConfig } from '../../../src/config';
import { signToken } from '../../../src/auth/jwt';
import { FakePushedMetricsStore } from '../../fakes/pushed-metrics';
import { fakeAppDeps } from '../../helpers/fake-app';

const URL = '/api/self_healing/metrics/batch';
const config = loadConfig({ LOG_LEVEL: 'silent', ANALYZE_MAX_FUTURE_SECONDS: '60' });
const store = new FakePushedMetricsStore();
let app: FastifyInstance;

beforeAll(async () => {
  app = await buildApp(fakeAppDeps(config, { pushedMetrics: store }));
  await app.ready();
});
afterAll(async () => app?.close());

const now = () => new Date().toISOString();
const sample = (over: Record<string, unknown> = {}) => ({ id: `s-${Math.random().toString(36).slice(2)}`, service: 'checkout', at: now(), metrics: { error_rate: 0.02 }, ...over });
function push(body: unknown, claims: { role?: 'viewer' | 'operator' | 'admin'; services?: string[] } | null = {}) {
  const headers = claims === null ? {} : { authorization: `Bearer ${signToken(config, { sub: 'pusher', role: claims.role ?? 'operator', ...(claims.services ? { services: claims.services } : {}) })}` };
  return app.inject({ method: 'POST', url: URL, headers, payload: body as object });
}

describe('who may push', () => {
  it('refuses no token (401) and a viewer (403); an operator and an admin push', async () => {
    const body = { samples: [sample()] };
    expect((await push(body, null)).statusCode).toBe(401);
    expect((await push(body, { role: 'viewer' })).statusCode).toBe(403);
    expect((await push({ samples: [sample()] }, { role: 'operator' })).statusCode).toBe(202);
    expect((await push({ samples: [sample()] }, { role: 'admin' })).statusCode).toBe(202);
  });

  it('a scoped token pushes to its services only; one sample of another refuses the whole batch, naming it', async () => {
    const before = store.samples.size;
    const ok = await push({ samples: [sample({ service: 'checkout' })] }, { services: ['checkout'] });
    expect(ok.statusCode).toBe(202);
    const refused = await push({ samples: [sample({ service: 'checkout' }), sample({ service: 'billing' })] }, { services: ['checkout'] });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'out_of_scope', field: 'samples[1].service' });
    expect(refused.json().message).toContain('billing');
    expect(store.samples.size).toBe(before + 1);
  });
});

describe('what is refused', () => {
  const cases: [string, unknown, string][] = [
    ['no samples', { samples: [] }, 'samples'],
    ['an unknown field', { samples: [sample({ colour: 'red' })] }, 'samples'],
    ['a bad service name', { samples: [sample({ service: '../etc' })] }, 'service'],
    ['a bad metric name', { samples: [sample({ metrics: { 'bad name': 1 } })] }, 'metrics'],
    ['no metrics', { samples: [sample({ metrics: {} })] }, 'metrics'],
    ['a value out of range', { samples: [sample({ metrics: { error_rate: 1e300 } })] }, 'error_rate'],
    ['a string value', { samples: [sample({ metrics: { error_rate: 'high' } })] }, 'error_rate'],
    ['a bad id', { samples: [sample({ id: 'a b' })] }, 'id'],
    ['no time', { samples: [{ service: 'checkout', metrics: { x: 1 } }] }, 'at'],
    ['a time that is no date', { samples: [sample({ at: 'yesterday' })] }, 'at'],
  ];
  it.each(cases)('%s: 400 naming the field', async (_name, body, field) => {
    const reply = await push(body);
    expect(reply.statusCode).toBe(400);
    expect(`${reply.json().field} ${reply.json().message}`).toContain(field);
  });

  it('more samples than a batch holds, or more metrics than a sample holds', async () => {
    const many = Array.from({ length: 1001 }, () => sample());
    expect((await push({ samples: many })).statusCode).toBe(400);
    const wide = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`m${i}`, i]));
    expect((await push({ samples: [sample({ metrics: wide })] })).statusCode).toBe(400);
    const huge = Array.from({ length: 1000 }, () => sample({ metrics: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`metric_with_a_long_name_${"x".repeat(80)}_${i}`, i])) }));
    expect((await push({ samples: huge })).statusCode).toBe(413);
  });

  it('a sample dated too far ahead names its index and the bound; nothing of the batch is stored', async () => {
    const before = store.samples.size;
    const reply = await push({ samples: [sample(), sample({ at: new Date(Date.now() + 3_600_000).toISOString() })] });
    expect(reply.statusCode).toBe(400);
    expect(reply.json()).toMatchObject({ error: 'validation_error', field: 'samples[1].at' });
    expect(reply.json().message).toContain('ANALYZE_MAX_FUTURE_SECONDS');
    expect(store.samples.size).toBe(before);
  });
});

describe('idempotency', () => {
  it('a retried batch is stored once and answered as duplicates; a repeat within a batch too', async () => {
    const a = sample();
    const b = sample();
    expect((await push({ samples: [a, b, a] })).json()).toEqual({ accepted: 2, duplicate: 1 });
    expect((await push({ samples: [a, b] })).json()).toEqual({ accepted: 0, duplicate: 2 });
    expect(store.samples.has(`checkout:${a.id}`)).toBe(true);
  });

  it('without ids, the same sample twice is one sample; another value is another', async () => {
    const at = now();
    const body = { samples: [{ service: 'catalog', at, metrics: { b: 2, a: 1 } }] };
    expect((await push(body)).json()).toEqual({ accepted: 1, duplicate: 0 });
    expect((await push({ samples: [{ service: 'catalog', at, metrics: { a: 1, b: 2 } }] })).json()).toEqual({ accepted: 0, duplicate: 1 });
    expect((await push({ samples: [{ service: 'catalog', at, metrics: { a: 1, b: 3 } }] })).json()).toEqual({ accepted: 1, duplicate: 0 });
  });

  it('the same id in two services is two samples', async () => {
    expect((await push({ samples: [sample({ id: 'same', service: 'one' }), sample({ id: 'same', service: 'two' })] })).json()).toEqual({ accepted: 2, duplicate: 0 });
  });
});

describe('a backlog', () => {
  it('a service with the bound of samples waiting for its watch refuses more with a 429 naming the sample, storing nothing', async () => {
    for (let i = 0; i < 10_000; i++) store.samples.set(`full:${i}`, { key: `full:${i}`, service: 'full', at: 1, metrics: { x: 1 }, takenBy: null, takenAt: null, receivedAt: 1 });
    const before = store.samples.size;
    const reply = await push({ samples: [sample({ service: 'ok' }), sample({ service: 'full' })] });
    expect(reply.statusCode).toBe(429);
    expect(reply.json()).toMatchObject({ error: 'backlog_full', field: 'samples[1].service' });
    expect(reply.json().message).toContain('10000 samples waiting');
    expect(store.samples.size).toBe(before);
  });
});

describe('Neo4j out of reach', () => {
  it('is a 503 with Retry-After, never a 500', async () => {
    store.failWith = new Neo4jError('connection refused', neo4jErrors.SERVICE_UNAVAILABLE, '08000', 'connection exception');
    try {
      const reply = await push({ samples: [sample()] });
      expect(reply.statusCode).toBe(503);
      expect(reply.headers['retry-after']).toBe('5');
      expect(reply.json().error).toBe('unavailable');
    } finally {
      store.failWith = null;
    }
  });
});
