// The relay feed's acks against a fake channel: the deliveries of one turn of the event loop are acked once, by the
// last with allUpTo, only after each was handled; close() acks what was handled before the channel goes. The feed on
// the real broker: test/integration/adapters/rabbitmq-*.test.ts.
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import type { RabbitConnection } from '../../../src/adapters/rabbitmq/connection';
import { RabbitEventFeed } from '../../../src/adapters/rabbitmq/event-feed';
import { EVENT_VERSION, type EventEnvelope } from '../../../src/domain/events';

class FakeChannel {
  readonly acks: Array<{ tag: number; allUpTo: boolean }> = [];
  deliver: ((message: ConsumeMessage | null) => void) | null = null;
  closed = false;

  on(): this {
    return this;
  }
  async assertExchange(): Promise<void> {}
  async assertQueue(): Promise<void> {}
  async bindQueue(): Promise<void> {}
  async prefetch(): Promise<void> {}
  async close(): Promise<void> {
    this.closed = true;
  }
  async consume(_queue: string, onMessage: (message: ConsumeMessage | null) => void): Promise<void> {
    this.deliver = onMessage;
  }
  ack(message: ConsumeMessage, allUpTo?: boolean): void {
    if (this.closed) throw new Error('Channel closed');
    this.acks.push({ tag: message.fields.deliveryTag, allUpTo: allUpTo ?? false });
  }
}

function envelope(id: string): EventEnvelope {
  return { id, type: 'analyze', version: EVENT_VERSION, at: '2025-01-01T00:00:00.000Z', workflowId: 'w', runId: 'r', service: 's', step: 'analyzed', data: {} };
}

function delivery(tag: number, content: Buffer): ConsumeMessage {
  return { content, fields: { deliveryTag: tag, routingKey: 'self_healing.analyze.analyzed' }, properties: {} } as unknown as ConsumeMessage;
}

async function startFeed() {
  const channel = new FakeChannel();
  // The first channel consumes; the next ones are the queue declaration's probes.
  let opened = 0;
  const model = { createChannel: async () => (opened++ === 0 ? channel : new FakeChannel()) } as unknown as ChannelModel;
  const connection = {
    onConnected: async (listener: (c: ChannelModel) => Promise<void>) => listener(model),
    get: async () => model,
  } as unknown as RabbitConnection;
  const feed = new RabbitEventFeed(connection, { exchange: 'x', instanceId: 'unit' }, { info: () => undefined, warn: () => undefined, error: () => undefined });
  const handled: string[] = [];
  await feed.start((event) => handled.push(event.id));
  return { channel, feed, handled, deliver: (tag: number, content: Buffer) => channel.deliver!(delivery(tag, content)) };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('RabbitEventFeed acks', () => {
  it('acks the deliveries of one turn once, by the last with allUpTo, after handling each', async () => {
    const { channel, handled, deliver } = await startFeed();
    for (let tag = 1; tag <= 5; tag++) deliver(tag, Buffer.from(JSON.stringify(envelope(`e${tag}`))));
    expect(handled).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    expect(channel.acks).toEqual([]);
    await nextTurn();
    expect(channel.acks).toEqual([{ tag: 5, allUpTo: true }]);
    // A malformed delivery and a duplicate are acked too (dropped, never redelivered forever).
    deliver(6, Buffer.from('not json'));
    deliver(7, Buffer.from(JSON.stringify(envelope('e5'))));
    await nextTurn();
    expect(channel.acks).toEqual([
      { tag: 5, allUpTo: true },
      { tag: 7, allUpTo: true },
    ]);
    expect(handled).toHaveLength(5);
  });

  it('acks what was handled before close() closes the channel', async () => {
    const { channel, feed, deliver } = await startFeed();
    deliver(1, Buffer.from(JSON.stringify(envelope('e1'))));
    deliver(2, Buffer.from(JSON.stringify(envelope('e2'))));
    await feed.close();
    expect(channel.acks).toEqual([{ tag: 2, allUpTo: true }]);
    expect(channel.closed).toBe(true);
    await nextTurn(); // the scheduled ack finds nothing left
    expect(channel.acks).toHaveLength(1);
  });
});
