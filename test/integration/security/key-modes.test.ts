// The real API in each production key mode (RS256 and ES256 with a PEM key, RS256 with a JWKS file): its tokens
// pass REST and the Socket.IO handshake; the HS256-with-the-public-key confusion and a token of another key do not.
import type { AddressInfo } from 'node:net';
import { io as ioClient } from 'socket.io-client';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config';
import { signToken } from '../../../src/auth/jwt';
import { startApi } from '../../../src/main/api';
import { testConfig } from '../../helpers/stack';
import { claimsFor, craftToken, ecKeys, hmac, keyFolder, pemOf, rsa, rsaKeys } from '../../helpers/tokens';

const file = keyFolder('selfheal-key-modes-');
const rsaPair = rsaKeys();
const ecPair = ecKeys();
const rotated = rsaKeys();
const jwk = (key: typeof rsaPair.publicKey, kid: string) => ({ ...key.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' });

// Production mode refuses the local stack's default credentials (guest:guest, the local Neo4j password): the API
// here connects as a RabbitMQ user of its own, made for this file, and with a password of its own to the local
// Neo4j, which runs without authentication.
const local = loadConfig();
const mgmtAuth = `Basic ${Buffer.from(`${local.rabbitmq.managementUser}:${local.rabbitmq.managementPassword}`).toString('base64')}`;
const brokerUser = `selfheal-key-modes-${randomUUID().slice(0, 8)}`;
const brokerPassword = randomUUID();
const productionServices = {
  NEO4J_PASSWORD: randomUUID(),
  RABBITMQ_URL: local.rabbitmq.url.replace(/\/\/[^@/]*@/, `//${brokerUser}:${brokerPassword}@`),
  RABBITMQ_MANAGEMENT_USER: brokerUser,
  RABBITMQ_MANAGEMENT_PASSWORD: brokerPassword,
};
const management = (method: string, path: string, body?: unknown) =>
  fetch(`${local.rabbitmq.managementUrl}${path}`, { method, headers: { authorization: mgmtAuth, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

beforeAll(async () => {
  expect((await management('PUT', `/api/users/${brokerUser}`, { password: brokerPassword, tags: 'management' })).ok).toBe(true);
  expect((await management('PUT', `/api/permissions/${encodeURIComponent(local.rabbitmq.vhost)}/${brokerUser}`, { configure: '.*', write: '.*', read: '.*' })).ok).toBe(true);
});

afterAll(async () => {
  await management('DELETE', `/api/users/${brokerUser}`);
});

const modes: [string, Record<string, string>, string][] = [
  ['RS256 with a PEM key', { JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY_FILE: file('rsa.pub', pemOf(rsaPair.publicKey)), JWT_PRIVATE_KEY_FILE: file('rsa', pemOf(rsaPair.privateKey)) }, pemOf(rsaPair.publicKey)],
  ['ES256 with a PEM key', { JWT_ALGORITHM: 'ES256', JWT_PUBLIC_KEY_FILE: file('ec.pub', pemOf(ecPair.publicKey)), JWT_PRIVATE_KEY_FILE: file('ec', pemOf(ecPair.privateKey)) }, pemOf(ecPair.publicKey)],
  [
    'RS256 with a JWKS file',
    {
      JWT_ALGORITHM: 'RS256',
      JWT_JWKS_FILE: file('jwks.json', JSON.stringify({ keys: [jwk(rsaPair.publicKey, '2025'), jwk(rotated.publicKey, '2026')] })),
      JWT_PRIVATE_KEY_FILE: file('rotated', pemOf(rotated.privateKey)),
    },
    pemOf(rotated.publicKey),
  ],
];

const handshake = (url: string, token: string) =>
  new Promise<string>((resolve) => {
    const socket = ioClient(url, { path: '/socket.io', transports: ['websocket'], reconnection: false, auth: { token } });
    socket.once('connect', () => {
      socket.disconnect();
      resolve('connected');
    });
    socket.once('connect_error', (err) => resolve(err.message));
  });

describe.each(modes)('%s', (_name, env, publicPem) => {
  it('accepts its own tokens over REST and Socket.IO, and refuses forgeries', async () => {
    const config = testConfig({ ...env, ...productionServices, SELFHEAL_MODE: 'production' });
    const app = await startApi(config);
    try {
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const ping = (token: string) => fetch(`${url}/api/self_healing/ping`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
      const good = signToken(config, { sub: 'prod-viewer', role: 'viewer' });
      const confused = craftToken({ alg: 'HS256' }, claimsFor(config), hmac(publicPem));
      const otherKey = craftToken({ alg: 'RS256', kid: '2026' }, claimsFor(config), rsa(rsaKeys().privateKey));
      expect([await ping(good), await ping(confused), await ping(otherKey)]).toEqual([200, 401, 401]);
      expect([await handshake(url, good), await handshake(url, confused), await handshake(url, otherKey)]).toEqual(['connected', 'unauthorized', 'unauthorized']);
    } finally {
      await app.close();
    }
  }, 60_000);
});

it('with a JWKS file, a token of the older key still verifies by its kid (rotation)', async () => {
  const config = testConfig({ ...modes[2]![1], ...productionServices, SELFHEAL_MODE: 'production' });
  const app = await startApi(config);
  try {
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const old = craftToken({ alg: 'RS256', kid: '2025' }, claimsFor(config, { role: 'viewer' }), rsa(rsaPair.privateKey));
    expect((await fetch(`${url}/api/self_healing/ping`, { headers: { authorization: `Bearer ${old}` } })).status).toBe(200);
    expect(await handshake(url, old)).toBe('connected');
  } finally {
    await app.close();
  }
}, 60_000);
