// Publisher confirms, routing keys and message ids, and the per-instance feed's dedupe and durability, on the real broker.
import { connect, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RabbitConnection } from '../../../src/adapters/rabbitmq/connection';
import { RabbitEventFeed, relayQueueName } from '../../../src/adapters/rabbitmq/event-feed';
import { RabbitEventPublisher } from '../../../src/adapters/rabbitmq/event-publisher';
import { routingKey, type EventEnvelope } from '../../../src/domain/events';
import { capturingLogger, config, deleteTopology, healEvent, uniqueName, waitUntil } from '../../helpers/rabbitmq';

const exchange = uniqueName('selfheal.test.events');
const instanceId = uniqueName('events-test');
const probeQueue = uniqueName('selfheal.test.probe');
const logger = capturingLogger();
let connection: RabbitConnection;
let publisher: RabbitEventPublisher;
let raw: ChannelModel;

beforeAll(async () => {
  connection = new RabbitConnection(config.rabbitmq.url, logger, { name: 'events-test' });
  publisher = new RabbitEventPublisher(connection, { exchange }, logger);
  raw = await connect(config.rabbitmq.url);
});

afterAll(async () => {
  await publisher.close();
  await connection.close();
  await raw.close();
  await deleteTopology([exchange], [probeQueue, relayQueueName(instanceId)]);
});

describe('RabbitEventPublisher', () => {
  it('publishes persistent JSON messages with the envelope id, confirmed by the broker, under their routing keys', async () => {
    const channel = await raw.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    await channel.assertQueue(probeQueue, { durable: false });
    await channel.bindQueue(probeQueue, exchange, 'self_healing.#');
    const received: ConsumeMessage[] = [];
    await channel.consume(probeQueue, (m) => m && received.push(m), { noAck: true });

    const steps = ['planned', 'action_started', 'verified', 'completed'] as const;
    const events: EventEnvelope[] = Array.from({ length: 400 }, (_, i) => healEvent({ step: steps[i % steps.length]! }));
    events.push({ ...healEvent(), type: 'analyze', step: 'analyzed' });
    // Three concurrent batches share the one confirm channel.
    await Promise.all([publisher.publish(events.slice(0, 150)), publisher.publish(events.slice(150, 300)), publisher.publish(events.slice(300))]);

    await waitUntil('every published event on the probe queue', () => received.length === events.length);
    const byId = new Map(received.map((m) => [m.properties.messageId as string, m]));
    expect(byId.size).toBe(events.length);
    for (const event of events) {
      const message = byId.get(event.id)!;
      expect(message.fields.routingKey).toBe(routingKey(event));
      expect(message.properties.contentType).toBe('application/json');
      expect(message.properties.deliveryMode).toBe(2);
      expect(JSON.parse(message.content.toString())).toEqual(event);
    }
    expect(received.find((m) => m.fields.routingKey === 'self_healing.analyze.analyzed')).toBeDefined();
    await channel.close();
  });

  it('resolves at once for an empty batch', async () => {
    await expect(publisher.publish([])).resolves.toBeUndefined();
  });
});

describe('RabbitEventFeed', () => {
  it('declares its own durable, expiring queue and delivers each envelope id once, dropping garbage', async () => {
    const feedConnection = new RabbitConnection(config.rabbitmq.url, logger, { name: 'events-test-feed' });
    const feed = new RabbitEventFeed(feedConnection, { exchange, instanceId }, logger);
    const delivered: EventEnvelope[] = [];
    await feed.start((e) => delivered.push(e));

    const channel = await raw.createConfirmChannel();
    const declared = await channel.checkQueue(relayQueueName(instanceId));
    expect(declared.consumerCount).toBe(1);

    const event = healEvent({ step: 'action_started' });
    const sentinel = healEvent({ step: 'completed' });
    await publisher.publish([event]);
    await publisher.publish([event, event]);
    channel.publish(exchange, 'self_healing.heal.planned', Buffer.from('{not json'));
    channel.publish(exchange, 'self_healing.heal.planned', Buffer.from(JSON.stringify({ ...event, id: 'other', version: 99 })));
    // Confirmed before the sentinel, so the garbage is ahead of it in the queue.
    await channel.waitForConfirms();
    await publisher.publish([sentinel]);

    await waitUntil('the sentinel', () => delivered.some((e) => e.id === sentinel.id));
    expect(delivered.map((e) => e.id)).toEqual([event.id, sentinel.id]);
    expect(logger.lines.filter((l) => l.msg === 'dropping a malformed event')).toHaveLength(2);
    await waitUntil('every message acked', async () => (await channel.checkQueue(relayQueueName(instanceId))).messageCount === 0);

    // The queue outlives the instance: what is published while it is away is delivered when it is back.
    await feed.close();
    const whileAway = [healEvent({ step: 'verified' }), healEvent({ step: 'completed' })];
    await publisher.publish(whileAway);
    expect((await channel.checkQueue(relayQueueName(instanceId))).messageCount).toBe(2);
    const restarted = new RabbitEventFeed(feedConnection, { exchange, instanceId }, logger);
    const afterRestart: EventEnvelope[] = [];
    await restarted.start((e) => afterRestart.push(e));
    await waitUntil('the events published while away', () => afterRestart.length === 2);
    expect(afterRestart.map((e) => e.id)).toEqual(whileAway.map((e) => e.id));

    await restarted.close();
    await feedConnection.close();
    await channel.close();
  });
});
