// Each API instance consumes from its own durable queue bound to every self_healing.* event, so every instance relays
// every event, and events published while an instance is disconnected wait for it. Delivery is at least once
// (manual ack after the handler); RecentIds turns it into once per envelope id. The deliveries handled in one turn of
// the event loop are acked together, by one ack of the last with `allUpTo` (one frame instead of one per event).
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { EventFeed } from '../ports';
import type { EventEnvelope } from '../../domain/events';
import type { AdapterLogger, RabbitConnection } from './connection';
import { parseEventEnvelope } from './envelope-parser';
import { RecentIds } from './recent-ids';

export interface RabbitEventFeedOptions {
  exchange: string;
  instanceId: string;
  /**
   * An instance's queue is deleted after this long without a consumer. Default 10 minutes: long enough to keep the
   * events of an API restart or a rolling deploy, short enough that an instance that is gone for good stops
   * collecting copies of every event (a dashboard that reconnects later reloads from the audit, not from the queue).
   */
  queueExpiresMs?: number;
  /** At most this many events wait in an instance's queue; the oldest are dropped first. Default 10,000. */
  queueMaxLength?: number;
  prefetch?: number;
  /** How many recent envelope ids are remembered for deduplication. */
  dedupeCapacity?: number;
  /** Delay before re-subscribing after the broker cancelled the consumer or closed the channel. */
  resubscribeDelayMs?: number;
}

export const RELAY_BINDING = 'self_healing.#';

export function relayQueueName(instanceId: string): string {
  return `selfheal.relay.${instanceId}`;
}

export class RabbitEventFeed implements EventFeed {
  private onEvent: ((event: EventEnvelope) => void) | null = null;
  private channel: Channel | null = null;
  private subscribing: Promise<void> | null = null;
  private resubscribeTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** The last delivery handled and not yet acked, with its channel; acked on the next turn of the event loop. */
  private unacked: { channel: Channel; message: ConsumeMessage } | null = null;
  private readonly seen: RecentIds;
  readonly queue: string;

  constructor(
    private readonly connection: RabbitConnection,
    private readonly options: RabbitEventFeedOptions,
    private readonly logger: AdapterLogger,
  ) {
    this.seen = new RecentIds(options.dedupeCapacity ?? 10_000);
    this.queue = relayQueueName(options.instanceId);
  }

  /** Resolves once consuming; when the broker is unreachable it resolves anyway and consumes once the broker is back. */
  async start(onEvent: (event: EventEnvelope) => void): Promise<void> {
    if (this.onEvent) throw new Error('event feed already started');
    this.onEvent = onEvent;
    await this.connection.onConnected((connection) => this.ensureConsuming(connection));
    if (this.channel) return;
    try {
      await this.connection.get();
    } catch (err) {
      this.logger.warn({ err, queue: this.queue }, 'RabbitMQ unreachable; the event relay starts when it is back');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.resubscribeTimer) clearTimeout(this.resubscribeTimer);
    await this.subscribing?.catch(() => undefined);
    this.ackHandled();
    const channel = this.channel;
    this.channel = null;
    // Unacked deliveries go back to the durable queue for the next start.
    await channel?.close().catch(() => undefined);
  }

  /** Single flight: the reconnect listener and the resubscribe timer may both ask. */
  private ensureConsuming(connection: ChannelModel): Promise<void> {
    if (this.closed || this.channel) return Promise.resolve();
    this.subscribing ??= this.subscribe(connection).finally(() => {
      this.subscribing = null;
    });
    return this.subscribing;
  }

  private async subscribe(connection: ChannelModel): Promise<void> {
    const channel = await connection.createChannel();
    channel.on('error', (err: Error) => this.logger.warn({ err, queue: this.queue }, 'RabbitMQ feed channel error'));
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.channel = null;
      this.scheduleResubscribe();
    });
    await channel.assertExchange(this.options.exchange, 'topic', { durable: true });
    await this.declareQueue(connection, channel);
    await channel.bindQueue(this.queue, this.options.exchange, RELAY_BINDING);
    await channel.prefetch(this.options.prefetch ?? 200);
    this.channel = channel;
    await channel.consume(this.queue, (message) => this.handle(channel, message), { noAck: false });
    this.logger.info({ queue: this.queue }, 'event feed consuming');
  }

  /**
   * Declares the instance's queue. A queue left by an older release with other arguments (the broker answers 406 and
   * closes the channel) is deleted and declared again: its waiting events are copies of what the audit holds.
   */
  private async declareQueue(connection: ChannelModel, channel: Channel): Promise<void> {
    const options = {
      durable: true,
      arguments: {
        'x-expires': this.options.queueExpiresMs ?? 10 * 60 * 1000,
        'x-max-length': this.options.queueMaxLength ?? 10_000,
        'x-overflow': 'drop-head',
        'x-queue-type': 'classic',
      },
    };
    const probe = await connection.createChannel();
    probe.on('error', () => undefined);
    try {
      await probe.assertQueue(this.queue, options);
      await probe.close();
    } catch (err) {
      if ((err as { code?: unknown }).code !== 406) throw err;
      this.logger.warn({ queue: this.queue }, 'relay queue declared with other arguments by an older release; declaring it again');
      await channel.deleteQueue(this.queue);
    }
    await channel.assertQueue(this.queue, options);
  }

  private handle(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (its queue was deleted): closing leads to a fresh declare and consume.
      this.logger.warn({ queue: this.queue }, 'RabbitMQ cancelled the event feed consumer; re-subscribing');
      channel.close().catch(() => undefined);
      return;
    }
    try {
      const event = parseEventEnvelope(message.content);
      if (!event) {
        this.logger.warn(
          { queue: this.queue, messageId: message.properties.messageId, routingKey: message.fields.routingKey },
          'dropping a malformed event',
        );
      } else if (this.seen.add(event.id)) {
        this.onEvent?.(event);
      }
    } catch (err) {
      this.logger.error({ err, queue: this.queue }, 'event handler failed');
    }
    if (this.unacked === null) setImmediate(() => this.ackHandled());
    else if (this.unacked.channel !== channel) this.ackHandled();
    this.unacked = { channel, message };
  }

  /** Acks every delivery handled so far on its channel, by acking the last one with `allUpTo`. */
  private ackHandled(): void {
    const unacked = this.unacked;
    this.unacked = null;
    if (!unacked) return;
    try {
      unacked.channel.ack(unacked.message, true);
    } catch (err) {
      // The channel closed meanwhile: the broker redelivers and the id check drops the copies.
      this.logger.warn({ err, queue: this.queue }, 'could not ack events');
    }
  }

  private scheduleResubscribe(): void {
    if (this.closed || this.resubscribeTimer) return;
    this.resubscribeTimer = setTimeout(() => {
      this.resubscribeTimer = null;
      this.connection.get().then(
        (connection) =>
          this.ensureConsuming(connection).catch((err: unknown) => {
            this.logger.warn({ err, queue: this.queue }, 'event feed re-subscribe failed; retrying');
            this.scheduleResubscribe();
          }),
        // The connection is down: its reconnect listener re-subscribes once the broker is back.
        () => undefined,
      );
    }, this.options.resubscribeDelayMs ?? 1000);
    this.resubscribeTimer.unref();
  }
}
