// GET /api/self_healing/ping, the benchmark's HTTP floor: answers only with a valid token.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import authPlugin from '../../../src/api/plugins/auth';
import { pingRoutes } from '../../../src/api/routes/ping';
import { signToken } from '../../../src/auth/jwt';
import { loadConfig } from '../../../src/config';

const config = loadConfig({ LOG_LEVEL: 'warn' });
let app: FastifyInstance;

beforeAll(async () => {
  app = Fastify({ logger: false });
  await app.register(authPlugin, { config });
  await app.register(pingRoutes, { prefix: '/api/self_healing' });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
});

describe('GET /api/self_healing/ping', () => {
  it('answers {ok: true} to a viewer token', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/self_healing/ping', headers: { authorization: `Bearer ${signToken(config, { sub: 'bench', role: 'viewer' })}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
  });

  it('refuses a request without a token', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/self_healing/ping' });
    expect(res.statusCode).toBe(401);
  });
});
