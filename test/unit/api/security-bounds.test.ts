// Bounds and four-eyes rules checked in-process: the pure rules, and the API through buildApp().inject with fakes
// (every request here is refused before the API would reach Temporal, so the fake client is never called).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import { buildApp } from '../../../src/api/app';
import { loadConfig } from '../../../src/config';
import { signToken } from '../../../src/auth/jwt';
import { futureAtRefusal, seriesRefusal, servicesRefusal } from '../../../src/domain/bounds';
import { fourEyesRefusal } from '../../../workflows/approval';
import { FakeAutopilotApi } from '../../fakes/autopilot-api';

describe('futureAtRefusal', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  it('accepts the past and up to the skew ahead, refuses beyond with the field and the reason', () => {
    expect(futureAtRefusal(now - 3600_000, now, 300)).toBeNull();
    expect(futureAtRefusal(now + 300_000, now, 300)).toBeNull();
    expect(futureAtRefusal(now + 301_000, now, 300)).toEqual({ field: 'at', reason: expect.stringMatching(/301s in the future; at most 300s/) });
    expect(futureAtRefusal(Date.parse('2999-01-01T00:00:00Z'), now, 300)?.field).toBe('at');
  });
});

describe('seriesRefusal', () => {
  it('lets known series through and refuses a sample that would pass the maximum, naming a new metric', () => {
    expect(seriesRefusal(['a', 'b'], ['a', 'b'], 2)).toBeNull();
    expect(seriesRefusal(['a'], ['a', 'b'], 2)).toBeNull();
    expect(seriesRefusal(['a', 'b'], ['a', 'c'], 2)).toEqual({ field: 'metrics.c', reason: expect.stringMatching(/tracks 2 series and this sample adds 1; at most 2/) });
  });
});

describe('servicesRefusal', () => {
  it('lets known services through and refuses a new one at the maximum', () => {
    expect(servicesRefusal('a', { known: true }, 5)).toBeNull();
    expect(servicesRefusal('b', { known: false, count: 4 }, 5)).toBeNull();
    expect(servicesRefusal('b', { known: false, count: 5 }, 5)).toEqual({ field: 'service', reason: expect.stringMatching(/tracks 5 services and b would be a new one; at most 5/) });
  });
});

describe('fourEyesRefusal', () => {
  it('refuses self-approval unless an admin overrides with a reason; never while the circuit breaker is open', () => {
    expect(fourEyesRefusal('alice', { approve: true, actor: 'bob', role: 'operator' }, false)).toBeNull();
    expect(fourEyesRefusal('alice', { approve: true, actor: 'bob', role: 'operator' }, true)).toBeNull();
    expect(fourEyesRefusal('alice', { approve: false, actor: 'alice', role: 'operator' }, true)).toBeNull();
    expect(fourEyesRefusal('alice', { approve: true, actor: 'alice', role: 'operator' }, false)).toMatch(/another person must approve/);
    expect(fourEyesRefusal('alice', { approve: true, actor: 'alice', role: 'operator', overrideReason: 'because I can' }, false)).toMatch(/another person/);
    expect(fourEyesRefusal('alice', { approve: true, actor: 'alice', role: 'admin' }, false)).toMatch(/another person/);
    expect(fourEyesRefusal('alice', { approve: true, actor: 'alice', role: 'admin', overrideReason: '   ' }, false)).toMatch(/another person/);
    expect(fourEyesRefusal('alice', { approve: true, actor: 'alice', role: 'admin', overrideReason: 'nobody else on call' }, false)).toBeNull();
    expect(fourEyesRefusal('alice', { approve: true, actor: 'alice', role: 'admin', overrideReason: 'nobody else on call' }, true)).toMatch(/circuit breaker/);
  });
});

describe('the API refuses before reaching Temporal', () => {
  const config = loadConfig({ LOG_LEVEL: 'silent', ANALYZE_MAX_FUTURE_SECONDS: '60' });
  let app: FastifyInstance;
  const temporalCalls: string[] = [];
  const temporal = new Proxy({}, { get: (_t, key) => { temporalCalls.push(String(key)); throw new Error('Temporal must not be reached'); } }) as Client;

  beforeAll(async () => {
    app = await buildApp({
      config,
      temporal,
      learning: { recordOutcome: async () => undefined, recordChoice: async () => undefined, outcomes: async () => [], choices: async () => [] },
      audit: {} as never,
      baselines: { getBaselines: async () => ({}) },
      feed: { start: async () => undefined, close: async () => undefined },
      knownIssueTypes: new Set(['degradation']),
      autopilot: new FakeAutopilotApi(),
      logger: false,
    });
    await app.ready();
  });
  afterAll(async () => app?.close());

  const post = (url: string, body: unknown, role: 'operator' | 'admin' = 'operator', sub = 'alice') =>
    app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${signToken(config, { sub, role })}` }, payload: body as object });

  it('a method a known path does not serve is a 405 naming the ones it does, whatever the body; an unknown path a 404', async () => {
    const auth = { authorization: `Bearer ${signToken(config, { sub: 'alice', role: 'viewer' })}` };
    // QUERY has a body, and Fastify refuses one without Content-Type before it routes: still a 405.
    for (const method of ['QUERY', 'DELETE', 'PUT'] as const) {
      const res = await app.inject({ method, url: '/api/self_healing/baselines?service=checkout', headers: auth });
      expect([method, res.statusCode, res.headers.allow]).toEqual([method, 405, 'GET, HEAD']);
      expect(res.json()).toMatchObject({ error: 'method_not_allowed' });
    }
    const unknown = await app.inject({ method: 'QUERY', url: '/api/self_healing/nothing-here', headers: auth });
    expect([unknown.statusCode, unknown.json().error]).toEqual([404, 'not_found']);
  });

  it('an analysis dated beyond the allowed skew is a 400 naming `at`', async () => {
    const res = await post('/api/self_healing/analyze', { service: 'checkout', metrics: { error_rate: 0.1 }, at: '2999-01-01T00:00:00Z' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'validation_error', field: 'at', message: expect.stringMatching(/^at: is \d+s in the future; at most 60s \(ANALYZE_MAX_FUTURE_SECONDS\)/) });
  });

  it('max_length 0 is a 400 naming the field', async () => {
    const res = await post('/api/self_healing/heal', {
      issue: { diagnosis: { issue_type: 'degradation', root_cause: 'x', confidence: 0.5, impacted_components: ['checkout'], recommended_strategies: [] } },
      context: { services: ['checkout'], queues: ['checkout.orders'] },
      strategy: 'apply_backpressure',
      max_length: 0,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'max_length' });
  });

  it('override_reason is for admins only, and only on approvals; too short is refused', async () => {
    const operator = await post('/api/self_healing/heal/heal-checkout/approve', { override_reason: 'nobody else on call' });
    expect(operator.statusCode).toBe(400);
    expect(operator.json()).toMatchObject({ field: 'override_reason', message: 'override_reason: only an admin may override four eyes' });
    const reject = await post('/api/self_healing/heal/heal-checkout/reject', { override_reason: 'nobody else on call' }, 'admin');
    expect(reject.json()).toMatchObject({ field: 'override_reason', message: 'override_reason: only an approval can be an override' });
    const short = await post('/api/self_healing/heal/heal-checkout/approve', { override_reason: 'ok' }, 'admin');
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ field: 'override_reason' });
    expect(temporalCalls).toEqual([]);
  });
});
