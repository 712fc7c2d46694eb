// The outbox's publishing rounds against an in-memory store and publisher: commits woken together share one read,
// one publish and one mark-sent; rows an analysis read at its commit are published without a read; marks of rounds
// that follow each other share a statement; a stream's events leave in commit order across rounds, processes and
// failures; a failed round leaves its events pending. The same statements on the real Neo4j and RabbitMQ:
// test/integration/adapters/neo4j-outbox.test.ts.
import { describe, expect, it } from 'vitest';
import type { Neo4jConnection } from '../../../src/adapters/neo4j/driver';
import { Neo4jOutbox } from '../../../src/adapters/neo4j/outbox';
import type { PendingEvent } from '../../../src/adapters/ports';
import { FakeEventPublisher } from '../../fakes/others';

interface StoredEvent {
  id: string;
  stream: string;
  seq: number;
  body: string;
  createdAt: number;
  sent: boolean;
}

/** Answers the outbox's statements the way Neo4j would, and counts them. */
class FakeStore {
  readonly events: StoredEvent[] = [];
  readonly calls = { pending: 0, markSent: 0, stale: 0, prune: 0 };
  /** While set, MARK_SENT statements wait for it: a mark in flight. */
  marksHeld: Promise<void> | null = null;

  commit(stream: string, createdAt = Date.now()): string {
    const seq = this.events.filter((e) => e.stream === stream).length + 1;
    const id = `${stream}:${seq}`;
    this.events.push({ id, stream, seq, body: JSON.stringify({ id, service: stream }), createdAt, sent: false });
    return id;
  }

  /** A commit as the ANALYZE statement makes it: the stream's pending events, oldest first, read under the lock. */
  commitReading(stream: string): PendingEvent[] {
    this.commit(stream);
    return this.events.filter((e) => e.stream === stream && !e.sent).map(({ id, seq, body }) => ({ id, seq, body }));
  }

  pendingOf(stream: string): number {
    return this.events.filter((e) => e.stream === stream && !e.sent).length;
  }

  readonly connection = {
    database: 'neo4j',
    driver: {
      executeQuery: async (query: string, params: Record<string, unknown>) => {
        await Promise.resolve();
        const rows = (list: Array<Record<string, unknown>>) => ({ records: list.map((row) => ({ get: (key: string) => row[key] })) });
        if (query.includes('o.stream IN $streams')) {
          this.calls.pending += 1;
          const streams = params.streams as string[];
          const limit = (params.limit as { toNumber(): number }).toNumber();
          const pending = this.events
            .filter((e) => !e.sent && streams.includes(e.stream))
            .sort((a, b) => a.stream.localeCompare(b.stream) || a.seq - b.seq)
            .slice(0, limit);
          return rows(pending.map((e) => ({ id: e.id, stream: e.stream, body: e.body })));
        }
        if (query.includes('REMOVE o:OutboxPending')) {
          this.calls.markSent += 1;
          await this.marksHeld;
          for (const e of this.events) if ((params.ids as string[]).includes(e.id)) e.sent = true;
          return rows([]);
        }
        if (query.includes('RETURN DISTINCT o.stream')) {
          this.calls.stale += 1;
          const streams = new Set(this.events.filter((e) => !e.sent && e.createdAt < (params.cutoff as number)).map((e) => e.stream));
          return rows([...streams].map((stream) => ({ stream })));
        }
        if (query.includes('DETACH DELETE')) {
          this.calls.prune += 1;
          return rows([{ deleted: 0 }]);
        }
        throw new Error(`unexpected statement: ${query}`);
      },
    },
  };
}

const warnings: string[] = [];
const logger = { info: () => undefined, warn: (_: object, msg: string) => void warnings.push(msg), error: () => undefined };

/** Marks are written as soon as none is in flight, unless a test asks for a delay. */
function setup(options: { batchSize?: number; minAgeMs?: number; markDelayMs?: number } = {}) {
  const store = new FakeStore();
  const publisher = new FakeEventPublisher();
  const outbox = new Neo4jOutbox(store.connection as unknown as Neo4jConnection, publisher, logger, { markDelayMs: 0, ...options });
  return { store, publisher, outbox };
}

const publishedOf = (publisher: FakeEventPublisher, stream: string) => publisher.published.map((e) => e.id).filter((id) => id.startsWith(`${stream}:`));

describe('Neo4jOutbox rounds', () => {
  it('publishes the events of streams flushed together in one read, one publish and one mark-sent', async () => {
    const { store, publisher, outbox } = setup();
    const streams = Array.from({ length: 20 }, (_, i) => `s${i}`);
    for (const stream of streams) store.commit(stream);
    store.commit('s3');
    const counts = await Promise.all(streams.map((stream) => outbox.flush(stream)));
    expect(counts).toEqual(streams.map((stream) => (stream === 's3' ? 2 : 1)));
    expect(store.calls).toMatchObject({ pending: 1, markSent: 1 });
    expect(publisher.publishCalls).toBe(1);
    expect(publishedOf(publisher, 's3')).toEqual(['s3:1', 's3:2']);
    expect(streams.every((s) => store.pendingOf(s) === 0)).toBe(true);
  });

  it('sends what commits while a round is in flight in the next round, after the events before it', async () => {
    const { store, publisher, outbox } = setup();
    store.commit('a');
    let joined: Promise<number> | undefined;
    publisher.onPublish = () => {
      publisher.onPublish = null;
      store.commit('a');
      joined = outbox.flush('a');
    };
    expect(await outbox.flush('a')).toBe(1);
    expect(await joined).toBe(1);
    expect(publisher.publishCalls).toBe(2);
    expect(publishedOf(publisher, 'a')).toEqual(['a:1', 'a:2']);
  });

  it('starts a new round for a flush called as a previous flush resolves', async () => {
    const { store, publisher, outbox } = setup();
    store.commit('a');
    const second = outbox.flush('a').then(() => {
      store.commit('a');
      return outbox.flush('a');
    });
    expect(await second).toBe(1);
    expect(publishedOf(publisher, 'a')).toEqual(['a:1', 'a:2']);
  });

  it('rejects every flush of a failed round and leaves its events pending, to leave later in commit order', async () => {
    const { store, publisher, outbox } = setup();
    publisher.down = true;
    for (let i = 0; i < 3; i++) {
      store.commit('a');
      store.commit('b');
    }
    const failed = await Promise.allSettled([outbox.flush('a'), outbox.flush('b')]);
    expect(failed.map((f) => f.status)).toEqual(['rejected', 'rejected']);
    expect([store.pendingOf('a'), store.pendingOf('b')]).toEqual([3, 3]);
    publisher.down = false;
    expect(await outbox.flush('a')).toBe(3);
    expect(publishedOf(publisher, 'a')).toEqual(['a:1', 'a:2', 'a:3']);
    expect(store.pendingOf('b')).toBe(3); // not flushed: left to its writer's next wake or the sweep
  });

  it('sends a backlog larger than a batch in several batches of one round, oldest first', async () => {
    const { store, publisher, outbox } = setup({ batchSize: 3 });
    const ids = Array.from({ length: 7 }, () => store.commit('a'));
    store.commit('b');
    expect(await Promise.all([outbox.flush('a'), outbox.flush('b')])).toEqual([7, 1]);
    expect(publishedOf(publisher, 'a')).toEqual(ids);
    expect(store.calls.markSent).toBe(3);
  });

  it('sweeps every stale stream in one round, logs a failed one, and prunes either way', async () => {
    const { store, publisher, outbox } = setup({ minAgeMs: 1000 });
    const old = Date.now() - 5000;
    store.commit('a', old);
    store.commit('b', old);
    store.commit('c'); // young: left to the fast path of the process that wrote it
    publisher.down = true;
    warnings.length = 0;
    expect(await outbox.sweep()).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(store.calls.prune).toBe(1);
    publisher.down = false;
    expect(await outbox.sweep()).toBe(2);
    expect(publisher.publishCalls).toBe(2);
    expect([store.pendingOf('a'), store.pendingOf('b'), store.pendingOf('c')]).toEqual([0, 0, 1]);
    expect(store.calls.prune).toBe(2);
  });

  it('publishes the rows committed analyses read, with no read of its own: one publish and one mark-sent for a burst', async () => {
    const { store, publisher, outbox } = setup();
    const streams = Array.from({ length: 20 }, (_, i) => `s${i}`);
    for (const stream of streams) outbox.publishRows(stream, store.commitReading(stream));
    // Two analyses of s3 in the burst: the second's rows carry the first event again, published once.
    outbox.publishRows('s3', store.commitReading('s3'));
    await outbox.stop();
    expect(store.calls).toMatchObject({ pending: 0, markSent: 1 });
    expect(publisher.publishCalls).toBe(1);
    expect(publishedOf(publisher, 's3')).toEqual(['s3:1', 's3:2']);
    expect(streams.every((s) => store.pendingOf(s) === 0)).toBe(true);
  });

  it('marks the rounds published while a mark is in flight in one statement, and resolves a flush only once it is marked', async () => {
    const { store, publisher, outbox } = setup();
    let release = () => undefined as void;
    store.marksHeld = new Promise((resolve) => (release = resolve));
    store.commit('a');
    let flushed = false;
    const flush = outbox.flush('a').then((n) => ((flushed = true), n));
    await until(() => store.calls.markSent === 1);
    // Two more rounds publish while the first mark is held; their marks wait for it.
    outbox.publishRows('b', store.commitReading('b'));
    await until(() => publisher.publishCalls === 2);
    outbox.publishRows('c', store.commitReading('c'));
    await until(() => publisher.publishCalls === 3);
    expect(flushed).toBe(false);
    expect(store.calls.markSent).toBe(1);
    release();
    expect(await flush).toBe(1);
    await outbox.stop();
    expect(store.calls).toMatchObject({ pending: 1, markSent: 2 });
    expect(['a', 'b', 'c'].map((s) => store.pendingOf(s))).toEqual([0, 0, 0]);
  });

  it('holds marks for markDelayMs to share one statement with later rounds, and writes them at once on stop', async () => {
    const { store, publisher, outbox } = setup({ markDelayMs: 60_000 });
    outbox.publishRows('a', store.commitReading('a'));
    await until(() => publisher.publishCalls === 1);
    outbox.publishRows('b', store.commitReading('b'));
    await until(() => publisher.publishCalls === 2);
    expect(store.calls.markSent).toBe(0);
    await outbox.stop();
    expect(store.calls.markSent).toBe(1);
    expect([store.pendingOf('a'), store.pendingOf('b')]).toEqual([0, 0]);
  });

  it('writes the marks a read waits for without their delay: a backlog of several batches goes at once', async () => {
    const { store, publisher, outbox } = setup({ markDelayMs: 60_000, batchSize: 3 });
    const ids = Array.from({ length: 7 }, () => store.commit('a'));
    expect(await outbox.flush('a')).toBe(7);
    expect(publishedOf(publisher, 'a')).toEqual(ids);
    expect(store.calls).toMatchObject({ pending: 3, markSent: 3 });
  });

  it('reads a woken stream after the marks in flight, so it does not publish those events again', async () => {
    const { store, publisher, outbox } = setup();
    let release = () => undefined as void;
    store.marksHeld = new Promise((resolve) => (release = resolve));
    outbox.publishRows('a', store.commitReading('a'));
    await until(() => store.calls.markSent === 1);
    store.commit('a');
    const flush = outbox.flush('a');
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(store.calls.pending).toBe(0); // the read waits for the mark
    release();
    expect(await flush).toBe(1);
    expect(publishedOf(publisher, 'a')).toEqual(['a:1', 'a:2']);
  });

  it('leaves rows whose publish failed pending, for the sweep to publish in order', async () => {
    const { store, publisher, outbox } = setup({ minAgeMs: 1000 });
    publisher.down = true;
    warnings.length = 0;
    outbox.publishRows('a', store.commitReading('a'));
    outbox.publishRows('a', store.commitReading('a'));
    await outbox.stop();
    expect(warnings).toHaveLength(1);
    expect(store.pendingOf('a')).toBe(2);
    publisher.down = false;
    expect(await outbox.sweep(Date.now() + 5000)).toBe(2);
    expect(publishedOf(publisher, 'a')).toEqual(['a:1', 'a:2']);
    expect(store.pendingOf('a')).toBe(0);
  });

  it('keeps a stream in commit order when two processes publish the rows of their own analyses of it', async () => {
    const store = new FakeStore();
    const publisher = new FakeEventPublisher();
    const processes = [0, 1].map(() => new Neo4jOutbox(store.connection as unknown as Neo4jConnection, publisher, logger, { markDelayMs: 0 }));
    for (let i = 0; i < 30; i++) {
      processes[i % 2]!.publishRows('a', store.commitReading('a'));
      // Rounds of either process at different points of the other's: some commits read events published, not yet marked.
      if (i % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(processes.map((p) => p.stop()));
    const firstSeen = [...new Set(publishedOf(publisher, 'a'))];
    expect(firstSeen).toEqual(Array.from({ length: 30 }, (_, i) => `a:${i + 1}`));
    expect(store.pendingOf('a')).toBe(0);
    expect(store.calls.pending).toBe(0);
  });
});

/** Waits for state the rounds reach on their own, one turn of the event loop at a time. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    if (turn > 1000) throw new Error('the rounds never got there');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
