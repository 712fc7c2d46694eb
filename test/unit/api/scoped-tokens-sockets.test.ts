// Scoped tokens and Socket.IO limits through the real app (buildApp) with in-memory fakes: REST reads and writes of
// another service are refused (403 naming the field, or 404 for one record), Socket.IO subscriptions are limited to
// the token's services, sockets end when their token does, and connections per subject and handshakes per address
// are bounded.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import { io as ioClient, type Socket } from 'socket.io-client';
import { buildApp } from '../../../src/api/app';
import { loadConfig } from '../../../src/config';
import { signToken, type TokenClaims } from '../../../src/auth/jwt';
import type { EventEnvelope } from '../../../src/domain/events';
import { scopeAllows } from '../../../src/auth/scope';
import { FakeAutopilotApi } from '../../fakes/autopilot-api';

const config = loadConfig({ LOG_LEVEL: 'silent', SOCKET_MAX_CONNECTIONS_PER_SUBJECT: '2', SOCKET_HANDSHAKES_PER_MINUTE: '1000' });
let app: FastifyInstance;
let baseUrl: string;
let emit: (event: EventEnvelope) => void = () => undefined;
const temporalCalls: string[] = [];
const sockets: Socket[] = [];
/** Whole attempt records: the response schema serializes every declared field and requires the required ones. */
const attemptOf = (id: string, service: string) => ({
  id, at: 0, workflowId: `heal-${service}`, runId: id, service, strategy: null, dryRun: true, applied: false, verified: false, outcome: 'planned',
  issueType: 'degradation', rootCause: 'x', actor: 'a', requestId: 'r', diagnosis: { issue_type: 'degradation', root_cause: 'x', confidence: 0.5, impacted_components: [], recommended_strategies: [] },
  plan: null, reasons: [], finishedAt: null, steps: [],
});
const attempts: Record<string, { id: string; service: string }> = { 'att-checkout': attemptOf('att-checkout', 'checkout'), 'att-billing': attemptOf('att-billing', 'billing') };

const token = (claims: Partial<TokenClaims> & { sub?: string }, ttl?: number) => signToken(config, { sub: 'team-a', role: 'operator', ...claims }, ttl);
const scoped = token({ services: ['checkout', 'cart-*'] });

/** The queries the audit reader was asked for lists of attempts. */
const listQueries: object[] = [];

async function start(cfg = config) {
  const a = await buildApp({
    config: cfg,
    temporal: new Proxy({}, { get: (_t, key) => { temporalCalls.push(String(key)); throw new Error('Temporal must not be reached'); } }) as Client,
    learning: { recordOutcome: async () => undefined, recordChoice: async () => undefined, outcomes: async () => [], choices: async () => [] },
    audit: {
      listAnomalies: async () => ({ items: [], nextCursor: null }),
      listSnapshots: async () => ({ items: [], nextCursor: null }),
      listAttempts: async (q: object) => {
        listQueries.push(q);
        return { items: [], nextCursor: null };
      },
      getAttempt: async (id: string) => (attempts[id] ?? null) as never,
      whyQuery: async (service: string, from: number, to: number) => ({ service, from, to, timeline: [] }),
    },
    baselines: { getBaselines: async () => ({}) },
    feed: { start: async (onEvent) => { emit = onEvent; }, close: async () => undefined },
    knownIssueTypes: new Set(['degradation']),
    autopilot: new FakeAutopilotApi(),
    logger: false,
  });
  await a.listen({ host: '127.0.0.1', port: 0 });
  return a;
}

beforeAll(async () => {
  app = await start();
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await app?.close();
});

const get = (url: string, t = scoped) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${t}` } });
const post = (url: string, body: object, t = scoped) => app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${t}` }, payload: body });

describe('scopeAllows', () => {
  it('matches the claim’s patterns; no claim or an admin covers everything', () => {
    expect(scopeAllows({ role: 'operator', services: ['checkout', 'cart-*'] }, 'cart-eu')).toBe(true);
    expect(scopeAllows({ role: 'operator', services: ['checkout', 'cart-*'] }, 'checkouts')).toBe(false);
    expect(scopeAllows({ role: 'operator' }, 'anything')).toBe(true);
    expect(scopeAllows({ role: 'admin', services: ['checkout'] }, 'billing')).toBe(true);
  });
});

describe('scoped tokens on REST', () => {
  it('refuses reads of another service with 403 naming the field, and lists over every service', async () => {
    for (const url of ['/api/self_healing/anomalies?service=billing', '/api/self_healing/snapshots?service=billing', '/api/self_healing/attempts?service=billing', '/api/self_healing/why?service=billing', '/api/self_healing/baselines?service=billing']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(403);
      expect(res.json(), url).toMatchObject({ error: 'out_of_scope', field: 'service' });
    }
    expect((await get('/metrics')).statusCode).toBe(403);
    expect((await get('/api/self_healing/attempts?service=checkout')).statusCode).toBe(200);
    expect((await get('/api/self_healing/baselines?service=cart-eu')).statusCode).toBe(200);
  });

  it("lists only the token's own services when no service is named; an unscoped token's lists are not filtered", async () => {
    listQueries.length = 0;
    for (const url of ['/api/self_healing/anomalies', '/api/self_healing/snapshots', '/api/self_healing/attempts']) expect((await get(url)).statusCode, url).toBe(200);
    expect(listQueries).toEqual([expect.objectContaining({ servicePatterns: ['checkout', 'cart-*'] })]);
    expect(listQueries[0]).not.toHaveProperty('service');
    expect((await get('/api/self_healing/attempts', token({}))).statusCode).toBe(200);
    expect(listQueries[1]).not.toHaveProperty('servicePatterns');
    expect((await get('/api/self_healing/attempts', token({ role: 'admin', services: ['checkout'] }))).statusCode).toBe(200);
    expect(listQueries[2]).not.toHaveProperty('servicePatterns');
  });

  it('bounds the window of /why, the one unpaginated answer', async () => {
    const res = await get('/api/self_healing/why?service=checkout&from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'from', message: expect.stringMatching(/at most 604800s/) });
    expect((await get('/api/self_healing/why?service=checkout')).statusCode).toBe(200);
  });

  it('answers 404 for one attempt of another service, as if it did not exist', async () => {
    expect((await get('/api/self_healing/attempts/att-billing')).statusCode).toBe(404);
    expect((await get('/api/self_healing/attempts/att-checkout')).statusCode).toBe(200);
    expect((await get('/api/self_healing/attempts/att-billing', token({ role: 'admin', services: ['checkout'] }))).statusCode).toBe(200);
    expect((await get('/api/self_healing/attempts/att-billing', token({}))).statusCode).toBe(200);
  });

  it('refuses analyses and heals of another service before anything starts', async () => {
    const analyze = await post('/api/self_healing/analyze', { service: 'billing', metrics: { error_rate: 0.1 } });
    expect(analyze.statusCode).toBe(403);
    expect(analyze.json()).toMatchObject({ field: 'service' });
    const viaContext = await post('/api/self_healing/analyze', { metrics: { error_rate: 0.1 }, context: { services: ['checkout', 'billing'] } });
    expect(viaContext.json()).toMatchObject({ field: 'context.services.1' });
    const heal = await post('/api/self_healing/heal', { issue: { diagnosis: { issue_type: 'degradation', root_cause: 'x', confidence: 0.5, impacted_components: ['billing'], recommended_strategies: [] } }, service: 'billing' });
    expect(heal.statusCode).toBe(403);
    expect(heal.json()).toMatchObject({ error: 'out_of_scope', field: 'service' });
    expect(temporalCalls).toEqual([]);
  });

  it('refuses a malformed services claim as an invalid token', async () => {
    const bad = signToken(config, { sub: 'x', role: 'viewer', services: ['bad pattern!'] });
    expect((await get('/api/self_healing/attempts?service=checkout', bad)).statusCode).toBe(401);
  });
});

function connect(t: string, url = baseUrl) {
  const socket = ioClient(url, { path: '/socket.io', transports: ['websocket'], reconnection: false, auth: { token: t } });
  sockets.push(socket);
  const received: EventEnvelope[] = [];
  socket.on('self_healing:heal', (e: EventEnvelope) => received.push(e));
  const connected = new Promise<string>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (err) => resolve(err.message));
  });
  const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
  return { socket, received, connected, disconnected };
}

const event = (service: string, id: string): EventEnvelope => ({ id, type: 'heal', version: 1, at: new Date().toISOString(), workflowId: `heal-${service}`, runId: 'r', service, step: 'planned', data: {} });

describe('Socket.IO', () => {
  it('a scoped token may subscribe to its services only, and receives only their events', async () => {
    const c = connect(token({ sub: 'scoped-watcher', services: ['checkout'] }));
    expect(await c.connected).toBe('connected');
    expect(await c.socket.timeout(5000).emitWithAck('subscribe', { workflowId: 'heal-billing' })).toMatchObject({ ok: false, error: expect.stringMatching(/scoped to checkout/) });
    expect(await c.socket.timeout(5000).emitWithAck('subscribe', { service: 'billing' })).toMatchObject({ ok: false });
    expect(await c.socket.timeout(5000).emitWithAck('subscribe', { service: 'checkout' })).toEqual({ ok: true });
    emit(event('billing', 'e1'));
    emit(event('checkout', 'e2'));
    await new Promise((r) => setTimeout(r, 300));
    expect(c.received.map((e) => e.id)).toEqual(['e2']);
    c.socket.close();
  });

  it("a scoped token subscribed to all receives its own services' events, each once, and nothing else", async () => {
    const c = connect(token({ sub: 'scoped-dashboard', services: ['checkout', 'cart-*'] }));
    expect(await c.connected).toBe('connected');
    expect(await c.socket.timeout(5000).emitWithAck('subscribe', { all: true })).toEqual({ ok: true });
    // Also by name: the event of a service it watches both ways still arrives once.
    expect(await c.socket.timeout(5000).emitWithAck('subscribe', { service: 'checkout' })).toEqual({ ok: true });
    for (const [service, id] of [['billing', 's1'], ['checkout', 's2'], ['cart-eu', 's3'], ['payments', 's4'], ['cart-us', 's5']]) emit(event(service!, id!));
    // Events reach a socket in order: once the last one in scope is here, anything out of scope would have been too.
    await new Promise<void>((resolve) => {
      const done = () => (c.received.some((e) => e.id === 's5') ? resolve() : setTimeout(done, 20));
      done();
    });
    expect(c.received.map((e) => e.id)).toEqual(['s2', 's3', 's5']);
    c.socket.close();
  });

  it('disconnects a socket when its token expires', async () => {
    const c = connect(token({ sub: 'short-lived' }, 2));
    expect(await c.connected).toBe('connected');
    const started = Date.now();
    await c.socket.timeout(5000).emitWithAck('subscribe', { all: true });
    expect(await c.disconnected).toBe('io server disconnect');
    expect(Date.now() - started).toBeLessThan(4000);
  }, 10_000);

  it('limits open connections per subject', async () => {
    const t = token({ sub: 'greedy' });
    const a = connect(t);
    const b = connect(t);
    expect([await a.connected, await b.connected]).toEqual(['connected', 'connected']);
    expect(await connect(t).connected).toMatch(/too many connections for this subject \(at most 2\)/);
    expect(await connect(token({ sub: 'someone-else' })).connected).toBe('connected');
    a.socket.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(await connect(t).connected).toBe('connected');
  });

  it('limits handshakes per address, counting refused ones', async () => {
    const limited = await start(loadConfig({ LOG_LEVEL: 'silent', SOCKET_HANDSHAKES_PER_MINUTE: '3' }));
    try {
      const url = `http://127.0.0.1:${(limited.server.address() as AddressInfo).port}`;
      const results: string[] = [];
      for (const t of ['not-a-token', 'not-a-token', token({ sub: 'h1' }), token({ sub: 'h2' })]) {
        const c = connect(t, url);
        results.push(await c.connected);
        c.socket.close();
      }
      expect(results).toEqual(['unauthorized', 'unauthorized', 'connected', expect.stringMatching(/too many handshakes from this address/)]);
    } finally {
      await limited.close();
    }
  });
});
