// Every endpoint of the OpenAPI document (so a new route is covered the day it is added) times every bad token:
// 401 for a missing or invalid token, 403 for a role below the route's, never a 2xx or a 5xx. The same tokens are
// refused at the Socket.IO handshake. The app is the real one (buildApp) on in-memory fakes: the refusals happen
// before any route reaches a dependency, so no server is needed.
import { io as ioClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config';
import { signToken, type Role } from '../../../src/auth/jwt';
import { startFakeApp, type FakeApp } from '../../helpers/fake-app';
import { claimsFor, craftToken, hmac, refusedTokens } from '../../helpers/tokens';

interface Operation {
  method: string;
  path: string;
  role: string;
  body: unknown;
}

const config = loadConfig({ LOG_LEVEL: 'silent' });
let stack: FakeApp & { config: typeof config; token(role: Role, sub?: string): string };
let operations: Operation[];
let tokens: Record<string, string>;

beforeAll(async () => {
  const app = await startFakeApp(config);
  stack = { ...app, config, token: (role, sub = `test-${role}`) => signToken(config, { sub, role }) };
  const doc = (await (await fetch(`${stack.baseUrl}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { 'x-required-role'?: string; requestBody?: { content: Record<string, { example?: unknown }> } }>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path: path.replace(/\{[^}]+\}/g, 'heal-matrix-1'),
      role: op['x-required-role'] ?? 'none',
      body: op.requestBody?.content['application/json']?.example ?? (op.requestBody ? {} : undefined),
    })),
  );
  tokens = refusedTokens(stack.config);
});

afterAll(async () => {
  await stack?.close();
});

async function call(op: Operation, authorization?: string) {
  const res = await fetch(stack.baseUrl + op.path, {
    method: op.method,
    headers: { ...(authorization === undefined ? {} : { authorization }), ...(op.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(op.body === undefined ? {} : { body: JSON.stringify(op.body) }),
  });
  const text = await res.text();
  // Errors are JSON; a successful GET /metrics is Prometheus text.
  const body = (res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : { text }) as { error: string; message: string };
  return { status: res.status, body, challenge: res.headers.get('www-authenticate') };
}

describe('the auth matrix over every documented endpoint', () => {
  it('covers the whole API, and every endpoint asks for a role', () => {
    expect(operations.length).toBeGreaterThanOrEqual(15);
    expect(operations.filter((op) => op.role === 'none').map((op) => `${op.method} ${op.path}`)).toEqual([]);
    expect(operations.some((op) => op.role === 'operator')).toBe(true);
  });

  it('answers 401 to no token, a malformed header and every refused token', async () => {
    const cases: [string, string | undefined][] = [
      ['no token', undefined],
      ['not a bearer header', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
      ['an empty bearer', 'Bearer '],
      ...Object.entries(tokens).map(([name, token]): [string, string] => [name, `Bearer ${token}`]),
    ];
    const seen: string[] = [];
    for (const op of operations) {
      for (const [name, authorization] of cases) {
        const res = await call(op, authorization);
        seen.push(`${op.method} ${op.path} with ${name}: ${res.status} ${res.body.error}`);
        expect(res.challenge, `${op.method} ${op.path} with ${name}`).toMatch(/^Bearer realm="selfheal"/);
      }
    }
    expect(seen.filter((line) => !line.endsWith(': 401 unauthorized'))).toEqual([]);
    expect(seen.length).toBe(operations.length * cases.length);
  });

  it('answers 403 to a valid token whose role is below the route’s', async () => {
    const below: Record<string, string> = { operator: 'viewer', admin: 'operator' };
    const guarded = operations.filter((op) => below[op.role]);
    expect(guarded.length).toBeGreaterThan(0);
    for (const op of guarded) {
      const res = await call(op, `Bearer ${stack.token(below[op.role] as 'viewer' | 'operator', 'matrix-low-role')}`);
      expect(res.status, `${op.method} ${op.path}`).toBe(403);
      expect(res.body).toEqual({ error: 'forbidden', message: `role ${below[op.role]} may not do this; it needs ${op.role} or above` });
    }
  });

  it('lets the right role through to the route (the matrix refuses for the token, not for the route)', async () => {
    for (const op of operations.filter((o) => o.method === 'GET' && !o.path.includes('heal-matrix-1'))) {
      const res = await call(op, `Bearer ${stack.token('viewer')}`);
      expect(res.status, `${op.method} ${op.path}`).toBeLessThan(500);
      expect([401, 403], `${op.method} ${op.path}`).not.toContain(res.status);
    }
  });
});

describe('the Socket.IO handshake', () => {
  const connect = (auth: Record<string, string>) =>
    new Promise<string>((resolve) => {
      const socket = ioClient(stack.baseUrl, { path: '/socket.io', transports: ['websocket'], reconnection: false, auth });
      socket.once('connect', () => {
        socket.disconnect();
        resolve('connected');
      });
      socket.once('connect_error', (err) => resolve(err.message));
    });

  it('refuses a missing token and every refused token', async () => {
    expect(await connect({})).toBe('unauthorized');
    for (const [name, token] of Object.entries(tokens)) expect(await connect({ token }), name).toBe('unauthorized');
  });

  it('accepts every known role, and nothing else', async () => {
    for (const role of ['viewer', 'operator', 'admin'] as const) expect(await connect({ token: stack.token(role) })).toBe('connected');
    expect(await connect({ token: craftToken({ alg: 'HS256' }, claimsFor(stack.config, { role: 'superuser' }), hmac(stack.config.jwt.secret!)) })).toBe('unauthorized');
  });
});
