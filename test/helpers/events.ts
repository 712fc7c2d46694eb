// Observers of the event stream: a RabbitMQ queue bound to the exchange (exclusive, or durable across broker
// restarts), and a Socket.IO client.
import { randomUUID } from 'node:crypto';
import amqp, { type ChannelModel } from 'amqplib';
import { io, type Socket } from 'socket.io-client';
import type { Config } from '../../src/config';
import type { EventEnvelope } from '../../src/domain/events';

export interface RabbitTap {
  messages: { routingKey: string; messageId: string | undefined; envelope: EventEnvelope }[];
  close(): Promise<void>;
}

/** An exclusive queue bound to every self_healing event, collecting what arrives. */
export async function tapRabbit(config: Config, binding = 'self_healing.#'): Promise<RabbitTap> {
  const connection = await amqp.connect(config.rabbitmq.url);
  const channel = await connection.createChannel();
  await channel.assertExchange(config.rabbitmq.exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue(`test-tap-${randomUUID()}`, { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, config.rabbitmq.exchange, binding);
  const messages: RabbitTap['messages'] = [];
  await channel.consume(queue, (msg) => {
    if (!msg) return;
    messages.push({ routingKey: msg.fields.routingKey, messageId: msg.properties.messageId as string | undefined, envelope: JSON.parse(msg.content.toString()) });
    channel.ack(msg);
  });
  return { messages, close: async () => connection.close() };
}

export interface SocketTap {
  socket: Socket;
  events: { name: string; envelope: EventEnvelope }[];
  close(): void;
}

/** A real socket.io-client connected with a token, subscribed to everything (or one filter). */
export async function tapSocket(baseUrl: string, token: string, filter: Record<string, unknown> = { all: true }): Promise<SocketTap> {
  const socket = io(baseUrl, { auth: { token }, transports: ['websocket'], reconnection: false });
  const events: SocketTap['events'] = [];
  for (const name of ['self_healing:analyze', 'self_healing:heal']) socket.on(name, (envelope: EventEnvelope) => events.push({ name, envelope }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  await socket.timeout(5000).emitWithAck('subscribe', filter);
  return { socket, events, close: () => socket.close() };
}

export interface DurableTap {
  received: EventEnvelope[];
  /** Consumes again after a broker restart (the queue itself survived it). */
  reconnect(): Promise<void>;
  /** Deletes the queue. */
  close(): Promise<void>;
}

/** A durable queue bound to the events: unlike a consumer's connection, it outlives a restart of the broker. */
export async function durableTap(config: Config, queue: string, binding = 'self_healing.#'): Promise<DurableTap> {
  const received: EventEnvelope[] = [];
  let connection: ChannelModel | null = null;
  const consume = async () => {
    await connection?.close().catch(() => undefined);
    connection = await amqp.connect(config.rabbitmq.url);
    connection.on('error', () => undefined);
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await channel.assertExchange(config.rabbitmq.exchange, 'topic', { durable: true });
    await channel.assertQueue(queue, { durable: true });
    await channel.bindQueue(queue, config.rabbitmq.exchange, binding);
    await channel.consume(queue, (msg) => {
      if (!msg) return;
      received.push(JSON.parse(msg.content.toString()) as EventEnvelope);
      channel.ack(msg);
    });
  };
  await consume();
  return {
    received,
    reconnect: consume,
    async close() {
      const c = await amqp.connect(config.rabbitmq.url);
      await (await c.createChannel()).deleteQueue(queue);
      await c.close();
      await connection?.close().catch(() => undefined);
    },
  };
}
