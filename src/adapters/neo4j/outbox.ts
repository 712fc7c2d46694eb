// The transactional outbox: events written in the same Neo4j transaction as the record they announce, then
// published with broker confirms and marked sent. An event is never lost to a broker outage or a worker crash
// between the commit and the publish: whatever is still pending is published later, in order per stream.
//
// Two paths publish. `wake(stream)` right after a commit (the fast path, in the background of the activity), and a
// sweep every `sweepIntervalMs` for events pending longer than `minAgeMs` (a failed or interrupted fast path, another
// process's crash, a broker outage). Each stream is flushed by one flush at a time in this process, oldest first, so
// events of one stream reach the broker in the order they were committed. Two processes may publish the same event;
// consumers drop duplicates by envelope id, and never see a stream's events out of order because every flush sends
// all of the stream's pending events from the oldest on.
import neo4j from 'neo4j-driver';
import type { EventEnvelope } from '../../domain/events';
import type { EventPublisher } from '../ports';
import type { AdapterLogger } from '../rabbitmq/connection';
import type { Neo4jConnection } from './driver';
import { KeyedQueue } from './keyed';
import { num, str } from './values';

export interface OutboxOptions {
  /** How often pending events are looked for. */
  sweepIntervalMs?: number;
  /** Events younger than this are left to the fast path that wrote them. */
  minAgeMs?: number;
  /** Sent events are kept this long (for inspection), then deleted. */
  retentionMs?: number;
  /** Events published per flush round. */
  batchSize?: number;
}

/** One pending event as the writing transaction stores it (with the stream's next seq). */
export interface OutboxRow {
  id: string;
  stream: string;
  body: string;
}

export function outboxRow(stream: string, event: EventEnvelope): OutboxRow {
  return { id: event.id, stream, body: JSON.stringify(event) };
}

const PENDING = `
MATCH (o:OutboxPending {stream: $stream})
RETURN o.id AS id, o.body AS body
ORDER BY o.seq, o.createdAt
LIMIT $limit`;

const MARK_SENT = `
UNWIND $ids AS id
MATCH (o:OutboxEvent {id: id})
REMOVE o:OutboxPending
SET o.sentAt = timestamp()`;

const STALE_STREAMS = `
MATCH (o:OutboxPending)
WHERE o.createdAt < $cutoff
RETURN DISTINCT o.stream AS stream
LIMIT 500`;

const PRUNE = `
MATCH (o:OutboxEvent)
WHERE o.sentAt < $cutoff
WITH o LIMIT 5000
DETACH DELETE o
RETURN count(*) AS deleted`;

export class Neo4jOutbox {
  private readonly queue = new KeyedQueue();
  /** Streams with a flush queued that has not started yet: a second wake joins it instead of queueing another. */
  private readonly queued = new Map<string, Promise<number>>();
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private lastFailureLog = 0;
  private readonly options: Required<OutboxOptions>;

  constructor(
    private readonly connection: Neo4jConnection,
    private readonly publisher: EventPublisher,
    private readonly logger: AdapterLogger,
    options: OutboxOptions = {},
  ) {
    this.options = { sweepIntervalMs: 1000, minAgeMs: 2000, retentionMs: 3_600_000, batchSize: 200, ...options };
  }

  /** Publishes the stream's pending events soon, in the background; a failure leaves them to the sweep. */
  wake(stream: string): void {
    this.flush(stream).catch((err: unknown) => this.logFailure(err, stream));
  }

  /** Publishes every pending event of the stream, oldest first; resolves with how many were sent. */
  flush(stream: string): Promise<number> {
    const waiting = this.queued.get(stream);
    if (waiting) return waiting;
    const run = this.queue.run(stream, async () => {
      this.queued.delete(stream);
      let sent = 0;
      for (;;) {
        const batch = await this.pending(stream);
        if (batch.length === 0) return sent;
        await this.publisher.publish(batch.map((row) => JSON.parse(row.body) as EventEnvelope));
        await this.connection.driver.executeQuery(MARK_SENT, { ids: batch.map((row) => row.id) }, { database: this.connection.database });
        sent += batch.length;
        if (batch.length < this.options.batchSize) return sent;
      }
    });
    this.queued.set(stream, run);
    return run;
  }

  /** One sweep: flushes the streams with events pending longer than minAgeMs, and prunes old sent events. */
  async sweep(now = Date.now()): Promise<number> {
    const { records } = await this.connection.driver.executeQuery(STALE_STREAMS, { cutoff: now - this.options.minAgeMs }, { database: this.connection.database, routing: 'READ' });
    let sent = 0;
    for (const record of records) {
      const stream = str(record.get('stream'));
      try {
        sent += await this.flush(stream);
      } catch (err) {
        this.logFailure(err, stream);
        break; // the broker is most likely down: every other stream would fail the same way
      }
    }
    await this.connection.driver.executeQuery(PRUNE, { cutoff: now - this.options.retentionMs }, { database: this.connection.database });
    return sent;
  }

  /** Sweeps every sweepIntervalMs until stop(). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.sweep()
        .then(() => undefined, (err: unknown) => this.logFailure(err, '*'))
        .finally(() => {
          this.sweeping = null;
        });
    }, this.options.sweepIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
  }

  /** Events not yet published, oldest first (all streams when none is named): for tests and operators. */
  async countPending(stream?: string): Promise<number> {
    const { records } = await this.connection.driver.executeQuery(
      stream === undefined ? 'MATCH (o:OutboxPending) RETURN count(o) AS n' : 'MATCH (o:OutboxPending {stream: $stream}) RETURN count(o) AS n',
      { stream: stream ?? null },
      { database: this.connection.database, routing: 'READ' },
    );
    return num(records[0]?.get('n'));
  }

  private async pending(stream: string): Promise<Array<{ id: string; body: string }>> {
    // Routed to the writer: a read replica could lag behind the commit that wrote the event.
    const { records } = await this.connection.driver.executeQuery(PENDING, { stream, limit: neo4j.int(this.options.batchSize) }, { database: this.connection.database });
    return records.map((r) => ({ id: str(r.get('id')), body: str(r.get('body')) }));
  }

  /** At most one warning every 10 s: during an outage every wake and every sweep fails the same way. */
  private logFailure(err: unknown, stream: string): void {
    const now = Date.now();
    if (now - this.lastFailureLog < 10_000) return;
    this.lastFailureLog = now;
    this.logger.warn({ err, stream }, 'outbox: events stay pending until the broker and the store answer');
  }
}
