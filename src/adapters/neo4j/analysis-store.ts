// Baselines, snapshots, anomaly events and diagnoses, written atomically per analysis (issue 3 point 3, issue 6).
//
// Concurrency: optimistic, checked under the service's lock. The store remembers, per service, the lock version and
// the baselines it last saw committed; it computes on them and sends one statement (see analysis-queries.ts) that
// takes the lock and writes only if the version is still the same. Otherwise, nothing is written and the statement
// returns the current version and baselines, read under the lock, to compute again: no update is ever lost, and the
// common case (this process analysed the service last) costs one round trip instead of a read, a write and a commit.
// Analyses of one service in this process run one after the other, so they never conflict with each other; analyses
// of different services do not wait for each other. `compute` may run more than once: it must be pure.
//
// Exactly once: the snapshot id is the analysis id, checked under the same lock. A retried analysis finds its
// snapshot and returns the stored result (replayed = true) without touching the baselines. Idempotency comes before
// validation: when `compute` refuses an analysis, the store first asks whether that analysis is already recorded (a
// retry after a lost answer, computed here against newer state) and returns it if so.
//
// Events: the analyzed event is written in the same statement, as a pending outbox event (outbox.ts). The answer
// carries the stream's pending events read under the lock (at most `pendingEvents`, else none: the outbox reads them).
//
// Time: an analysis without a time of its own is stamped after the service's newest sample, from baselines the
// version check proves current, so analyses that arrive together fold in lock order rather than being refused as
// out of order by the detector.
//
// Sample counts: each Baseline node carries `samples`, incremented when the analysis folded a sample into it.
import neo4j, { isRetryableError } from 'neo4j-driver';
import type { Record as Neo4jRecord } from 'neo4j-driver';
import type { AnalysisAnnouncement, AnalysisCompute, AnalysisInput, AnalysisOutcome, AnalysisStore, BaselineStates, PendingEvent } from '../ports';
import { ANALYZE, baselineKey, CREATE_SERVICE, PROBE, writeParams, type BaselineParams, type StoredResult } from './analysis-queries';
import type { Neo4jConnection } from './driver';
import { KeyedQueue, LruMap } from './keyed';
import { OUTBOX_BATCH_SIZE, outboxRow } from './outbox';
import { num, parseJson, str } from './values';

export { baselineKey } from './analysis-queries';

interface StoredBaseline {
  metric: string;
  state: string;
  samples: number;
  /** Epoch ms of the last analysis that changed this baseline. */
  updatedAt: number;
}

/** A service's lock version and its baselines at that version; `analysisId` wrote it, if this process did. */
interface KnownState {
  version: number;
  baselines: StoredBaseline[];
  analysisId?: string;
}

/** An analysis computed against a known state, ready to write. */
interface Prepared {
  params: ReturnType<typeof writeParams>;
  outcome: AnalysisOutcome;
  next: StoredBaseline[];
}

// Other processes writing between our reads are the only source of repeated rounds; past this many, the activity's
// own retry takes over. Lost rounds back off with jitter so racing processes fall out of lockstep.
const MAX_ROUNDS = 50;
const MAX_BACKOFF_MS = 50;
const MAX_TRANSIENT_RETRIES = 5;

export class Neo4jAnalysisStore implements AnalysisStore {
  private readonly known: LruMap<string, KnownState>;
  private readonly queue = new KeyedQueue();
  private readonly pendingEvents: number;

  /**
   * `knownServices` bounds the remembered states (a few KB each); beyond it, an analysis costs two round trips.
   * `pendingEvents` bounds the pending outbox events an answer carries back.
   */
  constructor(
    private readonly connection: Neo4jConnection,
    options: { knownServices?: number; pendingEvents?: number } = {},
  ) {
    this.known = new LruMap(options.knownServices ?? 5000);
    this.pendingEvents = options.pendingEvents ?? OUTBOX_BATCH_SIZE;
  }

  analyzeOnce(input: AnalysisInput, compute: AnalysisCompute, announce: AnalysisAnnouncement): Promise<AnalysisOutcome> {
    return this.queue.run(input.service, () => this.analyze(input, compute, announce));
  }

  private async analyze(input: AnalysisInput, compute: AnalysisCompute, announce: AnalysisAnnouncement): Promise<AnalysisOutcome> {
    const remembered = this.known.get(input.service);
    // A retry of the analysis this process wrote last asks for its stored result instead of computing again.
    let state = remembered?.analysisId === input.analysisId ? undefined : remembered;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let prepared: Prepared | undefined;
      try {
        prepared = state && prepare(input, state, compute, announce);
      } catch (refusal) {
        const stored = await this.run(input, -1, undefined);
        const result = stored?.get('result');
        if (typeof result === 'string') return { ...replayedOutcome(result, stored!.get('doneAt')), pendingEvents: this.pendingOf(stored!) };
        throw refusal;
      }
      const row = await this.run(input, state?.version ?? -1, prepared);
      if (!row) {
        await this.connection.driver.executeQuery(CREATE_SERVICE, { service: input.service }, { database: this.connection.database });
        state = undefined;
        continue;
      }
      const stored = row.get('result');
      if (typeof stored === 'string') return { ...replayedOutcome(stored, row.get('doneAt')), pendingEvents: this.pendingOf(row) };
      if (row.get('applied') === true && prepared) {
        this.known.set(input.service, { version: num(row.get('version')), baselines: prepared.next, analysisId: input.analysisId });
        return { ...prepared.outcome, pendingEvents: this.pendingOf(row) };
      }
      state = { version: num(row.get('version')), baselines: (row.get('baselines') as Array<Record<string, unknown>>).map(toStoredBaseline) };
      if (prepared) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** round)));
    }
    this.known.delete(input.service);
    throw new Error(`analysis ${input.analysisId} of ${input.service} kept losing to concurrent writers; retry it`);
  }

  /** One auto-commit statement (a single round trip), retried on transient errors (deadlock, leader switch). */
  private async run(input: AnalysisInput, expectedVersion: number, prepared: Prepared | undefined) {
    const params = {
      service: input.service,
      analysisId: input.analysisId,
      expectedVersion: neo4j.int(expectedVersion),
      // One more than carried back: a full answer tells that more are pending.
      pendingLimit: neo4j.int(this.pendingEvents + 1),
      ...(prepared?.params ?? PROBE),
    };
    for (let attempt = 1; ; attempt++) {
      const session = this.connection.driver.session({ database: this.connection.database });
      try {
        return (await session.run(ANALYZE, params)).records[0];
      } catch (err) {
        if (!isRetryableError(err) || attempt >= MAX_TRANSIENT_RETRIES) throw err;
        // An outcome lost with the connection may have committed: the next round finds the snapshot.
        this.known.delete(input.service);
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt * (1 + Math.random())));
      } finally {
        await session.close();
      }
    }
  }

  /** The stream's pending events of an answer, or undefined when there were more than it carries. */
  private pendingOf(row: Neo4jRecord): PendingEvent[] | undefined {
    const pending = row.get('pending') as Array<Record<string, unknown>>;
    if (pending.length > this.pendingEvents) return undefined;
    return pending.map((o) => ({ id: str(o.id), seq: num(o.seq), body: str(o.body) }));
  }

  async getBaselines(service: string): Promise<BaselineStates> {
    const { records } = await this.connection.driver.executeQuery(
      'MATCH (:Service {name: $service})-[:HAS_BASELINE]->(b:Baseline) RETURN b.metric AS metric, b.state AS state',
      { service },
      { database: this.connection.database, routing: 'READ' },
    );
    return Object.fromEntries(records.map((r) => [str(r.get('metric')), parseJson<unknown>(r.get('state'), null)]));
  }
}

function replayedOutcome(stored: string, doneAt: unknown): AnalysisOutcome {
  const result = JSON.parse(stored) as Partial<StoredResult> & Omit<StoredResult, 'lateMetrics'>;
  return { ...result, lateMetrics: result.lateMetrics ?? [], at: num(doneAt), replayed: true };
}

function toStoredBaseline(b: Record<string, unknown>): StoredBaseline {
  return { metric: str(b.metric), state: str(b.state), samples: num(b.samples), updatedAt: num(b.updatedAt) };
}

/** Computes the analysis on `state` and what it changes: only baselines whose state moved are written. */
function prepare(input: AnalysisInput, state: KnownState, compute: AnalysisCompute, announce: AnalysisAnnouncement): Prepared {
  const previous = new Map(state.baselines.map((b) => [b.metric, b]));
  const atMs = input.at ?? Math.max(Date.now(), ...state.baselines.map((b) => b.updatedAt + 1));
  const computed = compute(Object.fromEntries(state.baselines.map((b) => [b.metric, JSON.parse(b.state) as unknown])), atMs);
  const at = neo4j.int(Math.trunc(atMs));
  const sampleCounts: Record<string, number> = Object.fromEntries(state.baselines.map((b) => [b.metric, b.samples]));
  const changed: BaselineParams[] = [];
  for (const [metric, value] of Object.entries(computed.baselines)) {
    const json = JSON.stringify(value);
    const before = previous.get(metric);
    if (before?.state === json) continue; // untouched (a refused sample leaves its baseline as it was): no write
    const samples = (before?.samples ?? 0) + (Object.hasOwn(input.metrics, metric) ? 1 : 0);
    sampleCounts[metric] = samples;
    changed.push({ key: baselineKey(input.service, metric), service: input.service, metric, state: json, samples: neo4j.int(samples), updatedAt: at });
    previous.set(metric, { metric, state: json, samples, updatedAt: atMs });
  }
  const result: StoredResult = { anomalies: computed.anomalies, diagnosis: computed.diagnosis, sampleCounts, lateMetrics: computed.lateMetrics };
  const outcome: AnalysisOutcome = { ...result, at: atMs, replayed: false };
  return { params: writeParams(input, at, changed, result, outboxRow(input.service, announce(outcome))), outcome, next: [...previous.values()] };
}
