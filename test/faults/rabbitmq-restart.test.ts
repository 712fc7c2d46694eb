// Nothing lost, nothing doubled when the broker restarts: publishing fails loudly while it is down, the publisher
// and the feed reconnect, and after deduplication every event is delivered exactly once.
import { connect } from 'amqplib';
import { afterAll, expect, it } from 'vitest';
import { RabbitConnection } from '../../src/adapters/rabbitmq/connection';
import { RabbitEventFeed, relayQueueName } from '../../src/adapters/rabbitmq/event-feed';
import { RabbitEventPublisher } from '../../src/adapters/rabbitmq/event-publisher';
import type { EventEnvelope } from '../../src/domain/events';
import { BrokerGate, capturingLogger, config, deleteTopology, healEvent, rabbitmqService, uniqueName, waitUntil } from '../helpers/rabbitmq';

const exchange = uniqueName('selfheal.test.faults');
const instanceId = uniqueName('faults-test');
const lateInstanceId = uniqueName('faults-late');
const logger = capturingLogger();
const gate = new BrokerGate();
const publisherConnection = new RabbitConnection(config.rabbitmq.url, logger, { name: 'faults-publisher' });
const publisher = new RabbitEventPublisher(publisherConnection, { exchange }, logger);
let feedConnection: RabbitConnection;
let feed: RabbitEventFeed;
let lateConnection: RabbitConnection;
let lateFeed: RabbitEventFeed;

afterAll(async () => {
  rabbitmqService('up');
  await feed?.close();
  await feedConnection?.close();
  await lateFeed?.close();
  await lateConnection?.close();
  await publisher.close();
  await publisherConnection.close();
  await gate.close();
  await deleteTopology([exchange], [relayQueueName(instanceId), relayQueueName(lateInstanceId)]);
});

const batch = (n: number, step: 'planned' | 'action_started' | 'verified' | 'completed'): EventEnvelope[] =>
  Array.from({ length: n }, () => healEvent({ step }));

async function relayQueueDepth(id = instanceId): Promise<{ messageCount: number; consumerCount: number }> {
  const connection = await connect(config.rabbitmq.url);
  try {
    const channel = await connection.createChannel();
    // checkQueue closes the channel with a 404 while the queue does not exist yet.
    channel.on('error', () => undefined);
    return await channel.checkQueue(relayQueueName(id));
  } finally {
    await connection.close();
  }
}

it('survives a broker restart with every event delivered exactly once', async () => {
  // The feed reaches the broker through a gate the test can cut, to hold it off while events pile up in its queue.
  const gateUrl = await gate.listen();
  feedConnection = new RabbitConnection(gateUrl, logger, { name: 'faults-feed', minBackoffMs: 100, maxBackoffMs: 500 });
  feed = new RabbitEventFeed(feedConnection, { exchange, instanceId }, logger);
  const counts = new Map<string, number>();
  await feed.start((e) => counts.set(e.id, (counts.get(e.id) ?? 0) + 1));

  const beforeStop = batch(10, 'planned');
  await publisher.publish(beforeStop);
  await waitUntil('the first batch', () => counts.size === 10);

  // Queued for the feed while it is cut off; they must survive the broker restart (durable queue, persistent messages).
  gate.cut();
  const queuedBeforeStop = batch(5, 'action_started');
  await publisher.publish(queuedBeforeStop);

  rabbitmqService('down');
  const whileDown = batch(3, 'verified');
  const started = Date.now();
  await expect(publisher.publish(whileDown)).rejects.toThrow();
  expect(Date.now() - started).toBeLessThan(3000);

  rabbitmqService('up');
  const afterRestart = batch(7, 'completed');
  await publisher.publish(afterRestart);
  // Activity retries republish: the same ids again, of events already delivered and of events still queued.
  await publisher.publish([...beforeStop.slice(0, 2), ...queuedBeforeStop.slice(0, 2)]);
  const depth = await relayQueueDepth();
  expect(depth.consumerCount).toBe(0);
  // Plus up to 10 of the first batch: handled, but the cut may have dropped their acks, so they are redelivered.
  expect(depth.messageCount).toBeGreaterThanOrEqual(5 + 7 + 4);
  expect(depth.messageCount).toBeLessThanOrEqual(5 + 7 + 4 + 10);

  // An API instance that starts while the broker is unreachable starts anyway and relays once it is back.
  lateConnection = new RabbitConnection(gateUrl, logger, { name: 'faults-late', minBackoffMs: 100, maxBackoffMs: 500 });
  lateFeed = new RabbitEventFeed(lateConnection, { exchange, instanceId: lateInstanceId }, logger);
  const lateCounts = new Map<string, number>();
  await lateFeed.start((e) => lateCounts.set(e.id, (lateCounts.get(e.id) ?? 0) + 1));
  expect(logger.lines.some((l) => l.msg === 'RabbitMQ unreachable; the event relay starts when it is back')).toBe(true);

  gate.restore();
  await waitUntil('the late instance consuming', async () => (await relayQueueDepth(lateInstanceId).catch(() => null))?.consumerCount === 1);
  // The rejected batch is retried too, as its activity would be.
  await publisher.publish(whileDown);
  const all = [...beforeStop, ...queuedBeforeStop, ...afterRestart, ...whileDown];
  await waitUntil('every event', () => counts.size === all.length && lateCounts.size === whileDown.length, 30_000);
  expect([...lateCounts.keys()].sort()).toEqual(whileDown.map((e) => e.id).sort());
  expect([...lateCounts.values()].every((n) => n === 1)).toBe(true);
  await waitUntil('the relay queue drained', async () => (await relayQueueDepth()).messageCount === 0);
  expect([...counts.keys()].sort()).toEqual(all.map((e) => e.id).sort());
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
  expect(logger.lines.some((l) => l.msg === 'RabbitMQ connection lost; reconnecting')).toBe(true);
});
