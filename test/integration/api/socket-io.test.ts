// The Socket.IO relay on two API instances, each with its own feed on the real broker: authentication, filters,
// exactly-once delivery per client, and disconnection of misbehaving clients.
import fastifyJwt from '@fastify/jwt';
import Fastify, { type FastifyInstance } from 'fastify';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RabbitConnection } from '../../../src/adapters/rabbitmq/connection';
import { RabbitEventFeed, relayQueueName } from '../../../src/adapters/rabbitmq/event-feed';
import { RabbitEventPublisher } from '../../../src/adapters/rabbitmq/event-publisher';
import socketIoPlugin from '../../../src/api/plugins/socket-io';
import { jwtPluginOptions, type TokenClaims } from '../../../src/auth/jwt';
import type { EventEnvelope } from '../../../src/domain/events';
import { capturingLogger, config, deleteTopology, healEvent, uniqueName, waitUntil } from '../../helpers/rabbitmq';

const exchange = uniqueName('selfheal.test.relay');
const logger = capturingLogger();
const publisherConnection = new RabbitConnection(config.rabbitmq.url, logger, { name: 'relay-test-publisher' });
const publisher = new RabbitEventPublisher(publisherConnection, { exchange }, logger);

interface Instance {
  app: FastifyInstance;
  connection: RabbitConnection;
  instanceId: string;
  url: string;
}
const instances: Instance[] = [];
const clients: Socket[] = [];

async function startInstance(): Promise<Instance> {
  const instanceId = uniqueName('relay-test');
  const app = Fastify({ logger: false });
  // The production settings: pinned algorithm, iss/aud/exp/sub/role required.
  await app.register(fastifyJwt, jwtPluginOptions(config));
  const connection = new RabbitConnection(config.rabbitmq.url, logger, { name: instanceId });
  await app.register(socketIoPlugin, { feed: new RabbitEventFeed(connection, { exchange, instanceId }, logger) });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const instance = { app, connection, instanceId, url };
  instances.push(instance);
  return instance;
}

/** A client with everything it received, by event name. */
function connectClient(instance: Instance, options: { token?: string; headers?: Record<string, string> } = {}) {
  const socket = ioClient(instance.url, {
    path: '/socket.io',
    transports: ['websocket'],
    reconnection: false,
    auth: options.token === undefined ? {} : { token: options.token },
    extraHeaders: options.headers,
  });
  clients.push(socket);
  const received: { name: string; event: EventEnvelope }[] = [];
  socket.onAny((name: string, event: EventEnvelope) => received.push({ name, event }));
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
  const ids = (): string[] => received.map((r) => r.event.id);
  return { socket, received, connected, disconnected, ids };
}

/** Signs any claims, well-formed or not, with the instances' key and iss/aud/exp settings. */
const token = (claims: Record<string, unknown>) => instances[0]!.app.jwt.sign(claims as unknown as TokenClaims);

async function watcher(instance: Instance, ...subscriptions: Record<string, unknown>[]) {
  const client = connectClient(instance, { token: token({ sub: 'alice', role: 'viewer' }) });
  await client.connected;
  for (const s of subscriptions) expect(await client.socket.emitWithAck('subscribe', s)).toEqual({ ok: true });
  return client;
}

beforeAll(async () => {
  await startInstance();
  await startInstance();
});

afterAll(async () => {
  for (const socket of clients) socket.disconnect();
  for (const { app, connection } of instances) {
    await app.close();
    await connection.close();
  }
  await publisher.close();
  await publisherConnection.close();
  await deleteTopology([exchange], instances.map((i) => relayQueueName(i.instanceId)));
});

describe('socket-io plugin', () => {
  it('refuses handshakes without a valid token carrying a watching role', async () => {
    const [a] = instances;
    const otherSecret = Fastify();
    await otherSecret.register(fastifyJwt, { ...jwtPluginOptions(config), secret: 'a-different-secret-of-at-least-32-chars' });
    const refused = [
      undefined,
      'not-a-jwt',
      otherSecret.jwt.sign({ sub: 'mallory', role: 'admin' }),
      token({ sub: 'bob' }),
      token({ sub: 'eve', role: 'root' }),
      token({ sub: 'old', role: 'viewer', iat: 1000 }), // expired decades ago
    ];
    for (const t of refused) await expect(connectClient(a!, { token: t }).connected).rejects.toThrow('unauthorized');
    await otherSecret.close();

    await connectClient(a!, { headers: { authorization: `Bearer ${token({ sub: 'op', role: 'operator' })}` } }).connected;
    await connectClient(a!, { token: token({ sub: 'root', role: 'admin' }), headers: { origin: new URL(a!.url).origin } }).connected;
    const crossOrigin = connectClient(a!, { token: token({ sub: 'root', role: 'admin' }), headers: { origin: 'http://evil.example' } });
    await expect(crossOrigin.connected).rejects.toThrow();
  });

  it('relays every event to the clients of both instances, once each, under its event name', async () => {
    const [a, b] = instances;
    const onA = await watcher(a!, { all: true });
    const onB = await watcher(b!, { all: true });
    const events = Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? { ...healEvent(), type: 'analyze' as const, step: 'analyzed' as const } : healEvent()));
    await publisher.publish(events.slice(0, 20));
    await publisher.publish(events.slice(10)); // 10 republished ids: dropped by each feed

    for (const client of [onA, onB]) {
      await waitUntil('all 40 events', () => client.received.length >= 40);
      expect(client.ids()).toEqual(events.map((e) => e.id));
      expect(client.received.map((r) => r.name)).toEqual(events.map((e) => `self_healing:${e.type}`));
    }
    for (const { app } of [a!, b!]) {
      expect(app.eventRelayStats.relayed).toBeGreaterThanOrEqual(40);
      expect(app.eventRelayStats.lastLagMs).toEqual(expect.any(Number));
    }
  });

  it('filters by workflow and by service, and a socket in several rooms receives an event once', async () => {
    const [a, b] = instances;
    const byWorkflow = await watcher(a!, { workflowId: 'wf-1' });
    const byService = await watcher(b!, { service: 'svc-b' });
    const inSeveral = await watcher(a!, { workflowId: 'wf-1' }, { service: 'svc-a' }, { all: true });
    const e1 = healEvent({ workflowId: 'wf-1', service: 'svc-a' });
    const e2 = healEvent({ workflowId: 'wf-2', service: 'svc-b' });
    const e3 = healEvent({ workflowId: 'wf-3', service: 'svc-c' });
    const sentinel = healEvent({ workflowId: 'wf-1', service: 'svc-b' });
    await publisher.publish([e1, e2, e3, sentinel]);

    await waitUntil('the sentinel everywhere', () => [byWorkflow, byService, inSeveral].every((c) => c.ids().includes(sentinel.id)));
    expect(byWorkflow.ids()).toEqual([e1.id, sentinel.id]);
    expect(byService.ids()).toEqual([e2.id, sentinel.id]);
    expect(inSeveral.ids()).toEqual([e1.id, e2.id, e3.id, sentinel.id]);

    expect(await byWorkflow.socket.emitWithAck('unsubscribe', { workflowId: 'wf-1' })).toEqual({ ok: true });
    expect(await byWorkflow.socket.emitWithAck('subscribe', { service: 'svc-c' })).toEqual({ ok: true });
    const e4 = healEvent({ workflowId: 'wf-1', service: 'svc-x' });
    const sentinel2 = healEvent({ workflowId: 'wf-9', service: 'svc-c' });
    await publisher.publish([e4, sentinel2]);
    await waitUntil('the second sentinel', () => byWorkflow.ids().includes(sentinel2.id) && inSeveral.ids().includes(sentinel2.id));
    expect(byWorkflow.ids()).toEqual([e1.id, sentinel.id, sentinel2.id]);
  });

  it('disconnects a client that sends garbage, and only that client', async () => {
    const [a] = instances;
    const bystander = await watcher(a!, { all: true });
    const garbage: [string, unknown[]][] = [
      ['subscribe', [{ workflowId: 'wf-1', service: 'svc-a' }]],
      ['subscribe', [{ workflowId: 'w'.repeat(201) }]],
      ['subscribe', [{ all: 'yes' }]],
      ['subscribe', ['wf-1']],
      ['subscribe', [{ service: 'svc\u0000a' }]],
      ['unsubscribe', [[{ all: true }]]],
      ['subscribe', [{ workflowId: 'x'.repeat(32 * 1024) }]],
      ['exec', [{ cmd: 'rm -rf /' }]],
    ];
    const offenders = await Promise.all(garbage.map(() => watcher(a!)));
    garbage.forEach(([name, args], i) => offenders[i]!.socket.emit(name, ...args));
    const reasons = await Promise.all(offenders.map((o) => o.disconnected));
    expect(reasons.every((r) => r === 'io server disconnect' || r === 'transport close')).toBe(true);

    const rejected = await watcher(a!);
    const reply = rejected.socket.emitWithAck('subscribe', { nope: true });
    expect(await reply).toEqual({ ok: false, error: expect.stringContaining('invalid subscription') });
    await rejected.disconnected;

    const after = healEvent();
    await publisher.publish([after]);
    await waitUntil('the event after the garbage', () => bystander.ids().includes(after.id));
    expect(bystander.socket.connected).toBe(true);
  });
});
