// Publishes envelopes to the durable topic exchange over one reused confirm channel. publish() resolves only when
// the broker has confirmed every message and rejects otherwise (broker down, nack, timeout), so the calling
// activity retries; consumers drop the resulting duplicates by envelope id.
import type { ConfirmChannel } from 'amqplib';
import type { EventPublisher } from '../ports';
import { routingKey, type EventEnvelope } from '../../domain/events';
import type { AdapterLogger, RabbitConnection } from './connection';

export interface RabbitEventPublisherOptions {
  exchange: string;
  /** How long to wait for the broker's confirms (e.g. while it blocks publishers on a resource alarm). */
  confirmTimeoutMs?: number;
}

export class RabbitEventPublisher implements EventPublisher {
  private channel: ConfirmChannel | null = null;
  private opening: Promise<ConfirmChannel> | null = null;

  constructor(
    private readonly connection: RabbitConnection,
    private readonly options: RabbitEventPublisherOptions,
    private readonly logger: AdapterLogger,
  ) {}

  async publish(events: EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    const channel = await this.confirmChannel();
    const confirms: Promise<void>[] = [];
    for (const event of events) {
      const { confirmed, writable } = this.publishOne(channel, event);
      confirms.push(confirmed);
      if (!writable) await waitForDrain(channel);
    }
    await withTimeout(Promise.all(confirms), this.options.confirmTimeoutMs ?? 10_000);
  }

  /** Closes the channel; the connection belongs to whoever created it. */
  async close(): Promise<void> {
    await this.opening?.catch(() => undefined);
    const channel = this.channel;
    this.channel = null;
    await channel?.close().catch(() => undefined);
  }

  private publishOne(channel: ConfirmChannel, event: EventEnvelope): { confirmed: Promise<void>; writable: boolean } {
    let writable = true;
    const confirmed = new Promise<void>((resolve, reject) => {
      try {
        writable = channel.publish(
          this.options.exchange,
          routingKey(event),
          Buffer.from(JSON.stringify(event)),
          {
            persistent: true,
            messageId: event.id,
            contentType: 'application/json',
            timestamp: Math.floor(Date.now() / 1000),
            type: `${event.type}.${event.step}`,
          },
          (err) => (err ? reject(new Error(`RabbitMQ did not confirm event ${event.id}: ${String(err)}`)) : resolve()),
        );
      } catch (err) {
        // amqplib throws synchronously when the channel has closed since we got it.
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    // Handled at once: it may settle while publish() still waits for 'drain', before Promise.all sees it.
    confirmed.catch(() => undefined);
    return { confirmed, writable };
  }

  private async confirmChannel(): Promise<ConfirmChannel> {
    if (this.channel) return this.channel;
    this.opening ??= this.openChannel().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async openChannel(): Promise<ConfirmChannel> {
    const connection = await this.connection.get();
    const channel = await connection.createConfirmChannel();
    channel.on('error', (err: Error) => this.logger.warn({ err }, 'RabbitMQ publish channel error'));
    // A closed channel (or connection) is replaced on the next publish.
    channel.on('close', () => {
      if (this.channel === channel) this.channel = null;
    });
    await channel.assertExchange(this.options.exchange, 'topic', { durable: true });
    this.channel = channel;
    return channel;
  }
}

/** Resolves when the channel's write buffer has room again, or when it closed (the pending confirms then fail). */
function waitForDrain(channel: ConfirmChannel): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      channel.off('drain', done);
      channel.off('close', done);
      resolve();
    };
    channel.once('drain', done);
    channel.once('close', done);
  });
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`RabbitMQ confirms not received within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
