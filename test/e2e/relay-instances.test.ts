// Several API instances behind one worker: each relays every event of a real heal to its own Socket.IO clients, once
// each; a client that sends garbage mid-heal is disconnected and the others miss nothing.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { relayQueueName } from '../../src/adapters/rabbitmq/event-feed';
import { startApi } from '../../src/main/api';
import { removeContainers, waitFor } from '../helpers/containers';
import { tapSocket, type SocketTap } from '../helpers/events';
import { startRestartHeal } from '../helpers/heal';
import { deleteServices } from '../helpers/neo4j';
import { deleteTopology } from '../helpers/rabbitmq';
import type { Config } from '../../src/config';
import { startTestStack, testConfig, type TestStack } from '../helpers/stack';

const service = `relay-${randomUUID().slice(0, 8)}`;
let stack: TestStack;
let second: FastifyInstance;
let secondConfig: Config;
let secondUrl: string;
let driver: Driver;
const sockets: SocketTap[] = [];

beforeAll(async () => {
  stack = await startTestStack({ HEAL_BUDGET_MAX: '10000' });
  // The same configuration but for its instance id (and port): the same task queue, broker, exchange and secret.
  secondConfig = testConfig({ TEMPORAL_TASK_QUEUE: stack.config.temporal.taskQueue });
  expect(secondConfig.api.instanceId).not.toBe(stack.config.api.instanceId);
  second = await startApi(secondConfig);
  secondUrl = `http://127.0.0.1:${(second.server.address() as AddressInfo).port}`;
  driver = neo4j.driver(stack.config.neo4j.uri);
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await removeContainers({ label: `selfheal.service=${service}` });
  if (driver) await deleteServices({ driver, database: stack.config.neo4j.database }, [service]);
  await driver?.close();
  if (second) {
    await second.close();
    await deleteTopology([], [relayQueueName(secondConfig.api.instanceId)]);
  }
  await stack?.stop();
});

it('both instances relay every event of a real heal to their clients, and a garbage sender is cut off alone', async () => {
  const watch = async (url: string) => {
    const tap = await tapSocket(url, stack.token('viewer'), { service });
    sockets.push(tap);
    return tap;
  };
  const [first, other, offender] = [await watch(stack.baseUrl), await watch(secondUrl), await watch(secondUrl)];
  const offenderGone = new Promise<string>((resolve) => offender.socket.once('disconnect', resolve));

  const { workflowId, attemptId } = await startRestartHeal(stack, service, 2);

  // Mid-heal, a raw frame that is no Socket.IO packet.
  await waitFor(async () => first.events.some((e) => e.envelope.workflowId === workflowId), 30_000, 'the first event');
  offender.socket.io.engine.write('this is not a socket.io packet');
  expect(['transport close', 'io server disconnect']).toContain(await offenderGone);

  const ofHeal = (tap: SocketTap) => tap.events.filter((e) => e.envelope.workflowId === workflowId);
  for (const tap of [first, other]) {
    await waitFor(async () => ofHeal(tap).some((e) => e.envelope.step === 'completed'), 90_000, 'the heal to complete on every instance');
  }
  const { records } = await driver.executeQuery('MATCH (:HealingAttempt {id: $id})-[:HAS_STEP]->(st:HealStep) RETURN st.id AS id', { id: attemptId });
  const stepIds = records.map((r) => r.get('id') as string).sort();
  expect(stepIds.length).toBeGreaterThanOrEqual(5);
  for (const tap of [first, other]) {
    const ids = ofHeal(tap).map((e) => e.envelope.id);
    expect([...ids].sort()).toEqual(stepIds);
    expect(ofHeal(tap).every((e) => e.name === 'self_healing:heal')).toBe(true);
    expect(tap.socket.connected).toBe(true);
  }
});
