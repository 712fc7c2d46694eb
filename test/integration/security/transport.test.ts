// HTTP-level defences of the real API: security headers, CORS only for CORS_ORIGINS, rate limits per token subject
// and per address (not on /health), the body size limit, request ids, and error answers that stay JSON.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../../src/auth/jwt';
import type { Config } from '../../../src/config';
import { startApi } from '../../../src/main/api';
import { testConfig } from '../../helpers/stack';

const ALLOWED_ORIGIN = 'http://ops.example.test:8080';
const LIMIT = 5;

interface Api {
  app: FastifyInstance;
  config: Config;
  url: string;
}
let main: Api;
let limited: Api;

async function api(overrides: Record<string, string>): Promise<Api> {
  const config = testConfig(overrides);
  const app = await startApi(config);
  return { app, config, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

const bearer = (target: Api, sub: string, role: 'viewer' | 'operator' = 'viewer') => ({ authorization: `Bearer ${signToken(target.config, { sub, role })}` });

beforeAll(async () => {
  main = await api({ CORS_ORIGINS: ALLOWED_ORIGIN, API_BODY_LIMIT_BYTES: '4096' });
  limited = await api({ RATE_LIMIT_MAX: String(LIMIT), RATE_LIMIT_WINDOW_MS: '60000' });
});

afterAll(async () => {
  await main?.app.close();
  await limited?.app.close();
});

describe('security headers', () => {
  it('come with every JSON answer, with a CSP that loads nothing and a fresh request id', async () => {
    const a = await fetch(`${main.url}/api/self_healing/strategies`, { headers: bearer(main, 'headers') });
    const b = await fetch(`${main.url}/api/self_healing/strategies`);
    for (const res of [a, b]) {
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none';base-uri 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });
});

describe('CORS', () => {
  const preflight = (origin: string) =>
    fetch(`${main.url}/api/self_healing/heal`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });

  it('allows the configured origin, preflight and actual request', async () => {
    const pre = await preflight(ALLOWED_ORIGIN);
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    const res = await fetch(`${main.url}/api/self_healing/strategies`, { headers: { origin: ALLOWED_ORIGIN, ...bearer(main, 'cors') } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
  });

  it('gives any other origin no CORS header at all', async () => {
    for (const origin of ['http://evil.example', 'http://ops.example.test:8081', 'null', `${ALLOWED_ORIGIN}.evil.example`]) {
      expect((await preflight(origin)).headers.get('access-control-allow-origin'), origin).toBeNull();
      const res = await fetch(`${main.url}/api/self_healing/strategies`, { headers: { origin, ...bearer(main, 'cors') } });
      expect(res.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });
});

describe('rate limits', () => {
  const strategies = (headers: Record<string, string> = {}) => fetch(`${limited.url}/api/self_healing/strategies`, { headers });

  it('answer 429 with a JSON error once a token subject used its budget; other subjects keep theirs', async () => {
    const alice = bearer(limited, `rl-${randomUUID()}`);
    const statuses = [];
    for (let i = 0; i <= LIMIT; i++) statuses.push((await strategies(alice)).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429]);
    const refused = await strategies(alice);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.json()).toEqual({ error: 'rate_limited', message: `rate limit exceeded: at most ${LIMIT} requests per 1 minute; retry later` });
    // A second token for the same subject buys nothing; another subject has its own budget.
    expect((await strategies(bearer(limited, JSON.parse(Buffer.from(alice.authorization.split('.')[1]!, 'base64url').toString()).sub))).status).toBe(429);
    expect((await strategies(bearer(limited, `rl-${randomUUID()}`))).status).toBe(200);
  });

  it('count requests without a valid token per address, however many made-up tokens they carry', async () => {
    const statuses = [];
    for (let i = 0; i <= LIMIT; i++) statuses.push((await strategies({ authorization: `Bearer made.up.${randomUUID()}` })).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
    expect((await strategies()).status).toBe(429);
    expect((await strategies(bearer(limited, `rl-${randomUUID()}`))).status).toBe(200);
  });

  it('leave /health alone, so load balancers are never refused', async () => {
    for (let i = 0; i < LIMIT * 3; i++) expect((await fetch(`${limited.url}/health`)).status).toBe(200);
  });
});

describe('bodies and errors', () => {
  const post = (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${main.url}/api/self_healing${path}`, { method: 'POST', headers: { ...bearer(main, 'bodies', 'operator'), ...headers }, body });

  it('refuses a body over API_BODY_LIMIT_BYTES with 413 and a JSON error', async () => {
    const res = await post('/analyze', JSON.stringify({ metrics: { cpu: 1 }, context: { services: Array(800).fill('svc') } }));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'payload_too_large' });
  });

  it('answers malformed JSON, prototype pollution and other media types with a JSON 4xx', async () => {
    expect([(await post('/analyze', '{"metrics": ')).status, (await post('/analyze', '{"metrics":{"cpu":1},"__proto__":{"role":"admin"}}')).status]).toEqual([400, 400]);
    const media = await post('/analyze', '<metrics cpu="1"/>', { 'content-type': 'application/xml' });
    expect(media.status).toBe(415);
    expect(await media.json()).toMatchObject({ error: 'unsupported_media_type' });
  });

  it('answers 405 with Allow for a known path and another method, 404 for an unknown path', async () => {
    const wrong = await fetch(`${main.url}/api/self_healing/heal`, { method: 'DELETE', headers: bearer(main, 'bodies') });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    const unknown = await fetch(`${main.url}/api/self_healing/../../etc/passwd`, { headers: bearer(main, 'bodies') });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not_found' });
  });
});
