// The transactional outbox: events written in the same Neo4j transaction as the record they announce, then
// published with broker confirms and marked sent. An event is never lost to a broker outage or a worker crash
// between the commit and the publish: whatever is still pending is published later, in order per stream.
//
// Two paths publish. `wake(stream)` right after a commit (the fast path, in the background of the activity), and a
// sweep every `sweepIntervalMs` for events pending longer than `minAgeMs` (a failed or interrupted fast path, another
// process's crash, a broker outage). This process publishes in rounds, one at a time: a round reads the pending
// events of every stream woken since the last round began (one read), publishes them (one wait for the confirms) and
// marks them sent (one write), so under load many commits share three round trips instead of costing three each.
// Rounds never overlap, and each sends a stream's pending events from the oldest on, so events of one stream reach
// the broker in the order they were committed. Two processes may publish the same event; consumers drop duplicates
// by envelope id, and never see a stream's events out of order because every round sends all of a stream's pending
// events from the oldest on.
import neo4j from 'neo4j-driver';
import type { EventEnvelope } from '../../domain/events';
import type { EventPublisher } from '../ports';
import type { AdapterLogger } from '../rabbitmq/connection';
import type { Neo4jConnection } from './driver';
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

// Oldest first within each stream; a LIMIT that cuts the batch leaves each stream's oldest events in it.
const PENDING = `
MATCH (o:OutboxPending)
WHERE o.stream IN $streams
RETURN o.id AS id, o.stream AS stream, o.body AS body
ORDER BY o.stream, o.seq, o.createdAt
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
  /** Streams woken since the current round began, with the flushes waiting for the round that will send them. */
  private next = new Map<string, Array<Settle<number>>>();
  private roundsRunning = false;
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

  /**
   * Publishes every pending event of the stream, oldest first, in the next round; resolves with how many of the
   * stream's events that round sent, and rejects when the round failed (they stay pending).
   */
  flush(stream: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const waiting = this.next.get(stream);
      if (waiting) waiting.push({ resolve, reject });
      else this.next.set(stream, [{ resolve, reject }]);
      if (!this.roundsRunning) {
        this.roundsRunning = true;
        void this.runRounds();
      }
    });
  }

  /** Rounds until no stream is waiting; the first starts on the next turn of the event loop, so a burst of commits shares it. */
  private async runRounds(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.next.size > 0) {
      const round = this.next;
      this.next = new Map();
      try {
        const sent = await this.publishPending([...round.keys()]);
        for (const [stream, waiting] of round) for (const w of waiting) w.resolve(sent.get(stream) ?? 0);
      } catch (err) {
        for (const waiting of round.values()) for (const w of waiting) w.reject(err);
      }
    }
    // In the same synchronous step as the check above: a flush called from here on starts the next rounds itself.
    this.roundsRunning = false;
  }

  /** One round: every pending event of `streams`, in batches of batchSize; the count sent per stream. */
  private async publishPending(streams: string[]): Promise<Map<string, number>> {
    const sent = new Map<string, number>();
    for (;;) {
      const batch = await this.pending(streams);
      if (batch.length === 0) return sent;
      await this.publisher.publish(batch.map((row) => JSON.parse(row.body) as EventEnvelope));
      await this.connection.driver.executeQuery(MARK_SENT, { ids: batch.map((row) => row.id) }, { database: this.connection.database });
      for (const row of batch) sent.set(row.stream, (sent.get(row.stream) ?? 0) + 1);
      if (batch.length < this.options.batchSize) return sent;
    }
  }

  /** One sweep: flushes the streams with events pending longer than minAgeMs, and prunes old sent events. */
  async sweep(now = Date.now()): Promise<number> {
    const { records } = await this.connection.driver.executeQuery(STALE_STREAMS, { cutoff: now - this.options.minAgeMs }, { database: this.connection.database, routing: 'READ' });
    // One round for all of them; when it fails (most likely the broker is down) they stay pending for the next sweep.
    const flushed = await Promise.allSettled(records.map((record) => this.flush(str(record.get('stream')))));
    const failed = flushed.find((f): f is PromiseRejectedResult => f.status === 'rejected');
    if (failed) this.logFailure(failed.reason, '*');
    await this.connection.driver.executeQuery(PRUNE, { cutoff: now - this.options.retentionMs }, { database: this.connection.database });
    return flushed.reduce((n, f) => n + (f.status === 'fulfilled' ? f.value : 0), 0);
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

  private async pending(streams: string[]): Promise<OutboxRow[]> {
    // Routed to the writer: a read replica could lag behind the commit that wrote the event.
    const { records } = await this.connection.driver.executeQuery(PENDING, { streams, limit: neo4j.int(this.options.batchSize) }, { database: this.connection.database });
    return records.map((r) => ({ id: str(r.get('id')), stream: str(r.get('stream')), body: str(r.get('body')) }));
  }

  /** At most one warning every 10 s: during an outage every wake and every sweep fails the same way. */
  private logFailure(err: unknown, stream: string): void {
    const now = Date.now();
    if (now - this.lastFailureLog < 10_000) return;
    this.lastFailureLog = now;
    this.logger.warn({ err, stream }, 'outbox: events stay pending until the broker and the store answer');
  }
}

interface Settle<T> {
  resolve(value: T): void;
  reject(err: unknown): void;
}
