// The transactional outbox: events written in the same Neo4j transaction as the record they announce, then
// published with broker confirms and marked sent. An event is never lost to a broker outage or a worker crash
// between the commit and the publish: whatever is still pending is published later, in order per stream.
//
// Two paths publish. Right after a commit (the fast path, in the background of the activity), and a sweep every
// `sweepIntervalMs` for events pending longer than `minAgeMs` (a failed or interrupted fast path, another process's
// crash, a broker outage). This process publishes in rounds, one at a time: a round takes every stream handed to it
// since the last round began, publishes their pending events (one wait for the confirms) and marks them sent, so
// under load many commits share the round trips instead of costing them each.
//
// A stream comes to a round in one of two ways. `wake(stream)` (and `flush`, the sweep) has the round read the
// stream's pending events (one read for all such streams). `publishRows(stream, rows)` hands it the rows an analysis
// read under its service's lock in the statement that committed it, so the round publishes them without a read;
// rows handed for one stream in one round are merged (deduped by id, ordered by seq). Those rows are a
// prefix-complete snapshot of the stream: every writer of the stream holds the lock while it writes an event and
// takes the next seq, so at the reading commit each event of the stream up to its own is either among the rows or
// was already marked sent, and marked sent only after the broker confirmed it. Publishing the rows in seq order
// therefore never sends an event before one of its stream's earlier events has reached the broker, whichever
// process publishes them and whatever it published before; the same holds for a read, which is such a snapshot
// taken later. A woken stream's read supersedes rows handed in the same round: the read is the newer snapshot.
//
// Rounds never overlap, and marks never hold up the next round: a round's mark waits markDelayMs (and for the mark in
// flight, if any) while the next rounds publish, and the marks asked for meanwhile go out together in one statement:
// under load, one MARK_SENT for several rounds. The wait is far below the sweep's minAgeMs, so the sweep does not
// take a published event for a lost one. A flush resolves once its round's events are marked sent, and stop() once
// the marks asked for are written (at once). Since a published event stays pending until its mark lands, rows read
// in the meantime may carry it again: ids this process saw confirmed are dropped from handed rows (they reached the
// broker, so neither loss nor order is at stake), and a round that reads first waits for the marks in flight. A
// failed round leaves its events pending, handed rows included: the stream's next commit carries them again, or the
// sweep publishes them. Two processes may still publish the same event; consumers drop duplicates by envelope id,
// and never see a stream's events out of order because of the snapshot argument above.
import neo4j from 'neo4j-driver';
import type { EventEnvelope } from '../../domain/events';
import type { EventOutbox, EventPublisher, PendingEvent } from '../ports';
import type { AdapterLogger } from '../rabbitmq/connection';
import type { Neo4jConnection } from './driver';
import { num, str } from './values';

/** Events published per read of a round, and at most the pending events an analysis carries back (analysis-store.ts). */
export const OUTBOX_BATCH_SIZE = 200;

/**
 * Under load a round publishes every few ms and a mark costs a statement (~1 ms of Neo4j and of our CPU), so marks
 * wait this long for the next rounds' marks; the sweep's 2 s grace is far above it.
 */
const MARK_DELAY_MS = 50;

/** How many published ids a process remembers, to drop them from rows read before their mark landed. */
const CONFIRMED_IDS = 10_000;

export interface OutboxOptions {
  /** How often pending events are looked for. */
  sweepIntervalMs?: number;
  /** Events younger than this are left to the fast path that wrote them. */
  minAgeMs?: number;
  /** Sent events are kept this long (for inspection), then deleted. */
  retentionMs?: number;
  /** Events published per read of a round. */
  batchSize?: number;
  /** How long marks wait for the marks of later rounds, to share one statement with them; far below minAgeMs. */
  markDelayMs?: number;
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

export class Neo4jOutbox implements EventOutbox {
  /** Streams handed in since the current round began: whether to read them or the rows given, and who waits. */
  private next = new Map<string, StreamRequest>();
  private rounds: Promise<void> | null = null;
  private readonly marks: SentMarks;
  /** Ids of events whose publish this process saw confirmed, most recent last (bounded). */
  private readonly confirmed = new Set<string>();
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
    this.options = { sweepIntervalMs: 1000, minAgeMs: 2000, retentionMs: 3_600_000, batchSize: OUTBOX_BATCH_SIZE, markDelayMs: MARK_DELAY_MS, ...options };
    this.marks = new SentMarks(this.options.markDelayMs, async (ids) => {
      await this.connection.driver.executeQuery(MARK_SENT, { ids }, { database: this.connection.database });
    });
  }

  /** Publishes the stream's pending events soon, in the background; a failure leaves them to the sweep. */
  wake(stream: string): void {
    this.flush(stream).catch((err: unknown) => this.logFailure(err, stream));
  }

  /** Publishes `rows`, read under the stream's lock at a commit, in the next round without reading; a failure leaves them to the sweep. */
  publishRows(stream: string, rows: PendingEvent[]): void {
    this.request(stream, rows).catch((err: unknown) => this.logFailure(err, stream));
  }

  /**
   * Publishes every pending event of the stream, oldest first, in the next round; resolves with how many of the
   * stream's events that round sent once they are marked sent, and rejects when the round failed (they stay pending).
   */
  flush(stream: string): Promise<number> {
    return this.request(stream, null);
  }

  /** Joins the next round with a read of the stream (rows null) or with the rows given. */
  private request(stream: string, rows: PendingEvent[] | null): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let request = this.next.get(stream);
      if (!request) this.next.set(stream, (request = { read: false, rows: new Map(), waiting: [] }));
      request.waiting.push({ resolve, reject });
      if (rows === null) request.read = true;
      else for (const row of rows) request.rows.set(row.id, row);
      this.rounds ??= this.runRounds();
    });
  }

  /** Rounds until no stream is waiting; the first starts on the next turn of the event loop, so a burst of commits shares it. */
  private async runRounds(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.next.size > 0) {
      const round = this.next;
      this.next = new Map();
      const reject = (err: unknown) => {
        for (const request of round.values()) for (const w of request.waiting) w.reject(err);
      };
      try {
        const { sent, marked } = await this.publishRound(round);
        // The next round publishes while this one's mark is written; its flushes resolve once the mark is.
        marked.then(() => {
          for (const [stream, request] of round) for (const w of request.waiting) w.resolve(sent.get(stream) ?? 0);
        }, reject);
      } catch (err) {
        reject(err);
      }
    }
    // In the same synchronous step as the check above: a request from here on starts the next rounds itself.
    this.rounds = null;
  }

  /**
   * One round: the rows handed in and every pending event of the woken streams (read in batches of batchSize); the
   * count published per stream, and the marks of all of them.
   */
  private async publishRound(round: Map<string, StreamRequest>): Promise<{ sent: Map<string, number>; marked: Promise<void> }> {
    const woken = [...round].filter(([, request]) => request.read).map(([stream]) => stream);
    let batch: OutboxRow[] = [];
    for (const [stream, request] of round) {
      if (request.read) continue;
      const rows = [...request.rows.values()].filter((row) => !this.confirmed.has(row.id)).sort((x, y) => x.seq - y.seq);
      for (const row of rows) batch.push({ id: row.id, stream, body: row.body });
    }
    const sent = new Map<string, number>();
    const marks: Array<Promise<void>> = [];
    let reading = woken.length > 0;
    // A read waits for the marks asked for (written without their delay), so it does not bring back events this
    // process has just published; a failed mark fails the round before it reads again (the same events would come back).
    let marksBefore: Promise<unknown> = this.marks.idle();
    for (;;) {
      if (reading) {
        this.marks.hurry();
        await marksBefore;
        const read = await this.pending(woken);
        batch.push(...read);
        reading = read.length === this.options.batchSize;
      }
      if (batch.length > 0) {
        await this.publisher.publish(batch.map((row) => JSON.parse(row.body) as EventEnvelope));
        this.remember(batch);
        const marked = this.marks.mark(batch.map((row) => row.id));
        marked.catch(() => undefined); // awaited below or by runRounds; meanwhile not an unhandled rejection
        marks.push(marked);
        for (const row of batch) sent.set(row.stream, (sent.get(row.stream) ?? 0) + 1);
      }
      const allMarked = Promise.all(marks).then(() => undefined);
      if (!reading) {
        // A round that read is a flush's, the sweep's or a backlog's: its marks go without waiting for later rounds.
        if (woken.length > 0) this.marks.hurry();
        return { sent, marked: allMarked };
      }
      marksBefore = allMarked;
      batch = [];
    }
  }

  private remember(published: OutboxRow[]): void {
    for (const row of published) {
      this.confirmed.add(row.id);
      if (this.confirmed.size > CONFIRMED_IDS) this.confirmed.delete(this.confirmed.values().next().value as string);
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

  /** Stops sweeping, and resolves once the rounds under way are published and their marks written. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
    await this.rounds;
    this.marks.hurry({ forGood: true });
    await this.marks.idle();
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

/** What a round is asked for one stream: a read of its pending events, or else the rows handed in (by id). */
interface StreamRequest {
  read: boolean;
  rows: Map<string, PendingEvent>;
  waiting: Array<Settle<number>>;
}

/**
 * MARK_SENT statements one at a time, each `delayMs` after the previous one ended or the first id came (until stop):
 * ids asked for meanwhile go out together.
 */
class SentMarks {
  private queued: { ids: string[]; waiting: Array<Settle<void>> } | null = null;
  private writing: Promise<void> | null = null;
  private endDelay: (() => void) | null = null;
  private hurried = false;
  private hurryOnce = false;

  constructor(
    private readonly delayMs: number,
    private readonly write: (ids: string[]) => Promise<void>,
  ) {}

  mark(ids: string[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued ??= { ids: [], waiting: [] };
      this.queued.ids.push(...ids);
      this.queued.waiting.push({ resolve, reject });
      this.writing ??= this.writeQueued();
    });
  }

  /** Resolves once no mark is queued or in flight, written or failed. */
  idle(): Promise<void> {
    return this.writing ?? Promise.resolve();
  }

  /** Writes the marks asked for so far without the delay; `forGood` (stopping): every mark from now on too. */
  hurry(options: { forGood?: boolean } = {}): void {
    if (options.forGood) this.hurried = true;
    // Only marks already asked for: a later one waits its delay as usual.
    if (this.writing) this.hurryOnce = true;
    this.endDelay?.();
  }

  private async writeQueued(): Promise<void> {
    while (this.queued) {
      if (this.delayMs > 0 && !this.hurried && !this.hurryOnce) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.delayMs);
          this.endDelay = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.endDelay = null;
      }
      this.hurryOnce = false;
      const { ids, waiting } = this.queued;
      this.queued = null;
      try {
        await this.write(ids);
        for (const w of waiting) w.resolve();
      } catch (err) {
        for (const w of waiting) w.reject(err);
      }
    }
    this.hurryOnce = false;
    this.writing = null;
  }
}
