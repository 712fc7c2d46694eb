// Small interfaces between activities/API and the outside world. One adapter module implements each;
// only src/main/* and test helpers construct adapters.
import type { EventEnvelope } from '../domain/events';
import type { AppliedHealSummary, ContainerInfo, ContainerSample, QueueInfo } from '../domain/observations';
import type { Anomaly, Diagnosis, HealContext, StrategyChoice, StrategyOutcome } from '../domain/types';
import type { Decision } from '../domain/autopilot/decision';
import type { Incident, IncidentChange } from '../domain/autopilot/incident';
import type { Sight } from '../domain/autopilot/signals';
import type { PushedSample } from '../domain/autopilot/pushed';
import type { ServiceLookup } from '../domain/bounds';

// The domain owns the shapes it observes; adapters keep importing them from here.
export type { AppliedHealSummary, ContainerInfo, ContainerSample, ContainerState, QueueInfo } from '../domain/observations';

// ---------- Neo4j: analysis (baselines + snapshots + anomalies, atomically) ----------

/** Baseline states per metric name, as persisted JSON (the detection engine's state shape). */
export type BaselineStates = Record<string, unknown>;

export interface AnalysisInput {
  /** Unique per analysis (the workflow id): recording the same analysis twice is a no-op that returns the first result. */
  analysisId: string;
  service: string;
  /**
   * Epoch ms of the metrics; null for "now", stamped under the service's lock, after the newest sample, so that
   * concurrent analyses fold in the order they are serialised instead of being refused as out of order.
   */
  at: number | null;
  metrics: Record<string, number>;
  context: HealContext;
  workflowId: string;
  actor: string;
  requestId: string;
}

export interface AnalysisComputation {
  baselines: BaselineStates;
  anomalies: Anomaly[];
  diagnosis: Diagnosis;
  lateMetrics: string[];
}

/** Pure: folds one analysis at `at` (epoch ms) into the baselines. The store may run it again on a transient retry. */
export type AnalysisCompute = (baselines: BaselineStates, at: number) => AnalysisComputation;

export interface AnalysisOutcome {
  anomalies: Anomaly[];
  diagnosis: Diagnosis;
  /** True when this analysis had been recorded before (an activity retry): nothing was updated twice. */
  replayed: boolean;
  /** Number of samples folded into each metric's baseline after this analysis. */
  sampleCounts: Record<string, number>;
  /** Epoch ms the metrics were analysed at (input.at, or the time stamped under the lock). */
  at: number;
  /** Metrics whose sample arrived late: recorded and judged, not folded into their baseline. */
  lateMetrics: string[];
  /**
   * The service stream's events still pending in the outbox, oldest first, read under the service's lock with this
   * analysis's answer (its own event among them when it was written now): the outbox publishes them without reading
   * them again. Absent when more were pending than the store carries back; the outbox reads those itself.
   */
  pendingEvents?: PendingEvent[];
}

/** An outbox event not yet marked sent; `seq` orders the events of its stream. */
export interface PendingEvent {
  id: string;
  seq: number;
  body: string;
}

/** The event announcing a recorded analysis, written with it (the outbox). */
export type AnalysisAnnouncement = (outcome: AnalysisOutcome) => EventEnvelope;

export interface AnalysisStore {
  /**
   * Exactly once per analysisId, serialised per service (concurrent calls never lose an update):
   * reads the service's baselines, calls `compute`, and stores the new baselines with the snapshot, anomaly events
   * and diagnosis in one transaction, with the event `announce` makes of the outcome as a pending outbox event of the
   * service's stream. `compute` may throw to refuse the analysis: nothing is written then. A retry of an analysis
   * already recorded returns the stored outcome before anything is computed or validated.
   */
  analyzeOnce(input: AnalysisInput, compute: AnalysisCompute, announce: AnalysisAnnouncement): Promise<AnalysisOutcome>;
  getBaselines(service: string): Promise<BaselineStates>;
}

// ---------- Neo4j: heal audit ----------

export interface HealStepRecord {
  /** `${runId}:${seq}` (the attempt id is the first run's id): MERGE key, so a retried record never duplicates. */
  id: string;
  attemptId: string;
  seq: number;
  step: string;
  status: 'ok' | 'failed' | 'skipped' | 'info';
  action?: string;
  target?: string;
  detail: string;
  data: Record<string, unknown>;
  at: number;
}

export type HealOutcomeLabel =
  | 'planned'
  | 'refused'
  | 'rejected'
  | 'approval_timeout'
  | 'cancelled'
  | 'recovered_before_action'
  | 'verified'
  | 'rolled_back'
  | 'rollback_failed'
  | 'failed';

export interface HealAttemptRecord {
  id: string;
  at: number;
  workflowId: string;
  runId: string;
  service: string;
  strategy: string | null;
  dryRun: boolean;
  applied: boolean;
  verified: boolean;
  outcome: HealOutcomeLabel | 'running' | 'awaiting_approval';
  issueType: string;
  rootCause: string;
  actor: string;
  requestId: string;
  diagnosis: Diagnosis;
  plan: unknown;
  reasons: string[];
  finishedAt: number | null;
}

export interface TimeRangeQuery {
  service?: string;
  /** A scoped token's services (glob patterns, `*` any run of characters): only records of a matching service. */
  servicePatterns?: string[];
  metric?: string;
  from: number;
  to: number;
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface AuditStore {
  recordHealAttempt(attempt: HealAttemptRecord): Promise<void>;
  /**
   * Records new steps (a step already recorded is left as it was) and returns each one's stored seq, in input order.
   * A step whose seq another step of the attempt already holds (a reset run re-recording from an earlier point) is
   * stored after the attempt's last step, so a reset run's steps follow the steps of the run it was reset from.
   */
  recordHealSteps(steps: HealStepRecord[]): Promise<number[]>;
  /** recordHealAttempt then recordHealSteps (the attempt's), as one write: what every journal step records. */
  recordHeal(attempt: HealAttemptRecord, steps: HealStepRecord[]): Promise<number[]>;
  /** Applied (not dry-run) heals of a service since `sinceMs`, newest first. */
  appliedHeals(service: string, sinceMs: number): Promise<AppliedHealSummary[]>;
  /** Applied heals of every service since `sinceMs` (the global budget). */
  countAppliedHeals(sinceMs: number): Promise<number>;
}

// ---------- Neo4j: the services selfheal tracks (the MAX_SERVICES bound) ----------

/** Deletes old analysis records (snapshots with their anomaly events and diagnoses); heal attempts are kept. */
export interface AuditRetention {
  /** Deletes at most `batch` snapshots older than `cutoffMs` (epoch ms) with what hangs off them; returns how many. */
  pruneSnapshots(cutoffMs: number, batch: number): Promise<number>;
}

export interface ServiceRegistry {
  /** Whether the service is tracked already, else how many services are. */
  lookup(service: string): Promise<ServiceLookup>;
}

// ---------- Neo4j: the heal budget (atomic reservations) ----------

export interface BudgetReservation {
  /** The heal's attempt id: reserving twice for one attempt is granted once, and counted once. */
  attemptId: string;
  service: string;
  at: number;
  windowSeconds: number;
  globalMax: number;
  serviceMax: number;
}

export interface HealBudget {
  /**
   * Atomically (serialised with every other reservation) reserves one applied heal when fewer than `globalMax`
   * reservations of all services and fewer than `serviceMax` of this service fall in the window; the counts
   * exclude this attempt's own.
   */
  reserve(r: BudgetReservation): Promise<{ granted: boolean; global: number; service: number }>;
  /** Gives back a reservation whose heal changed nothing. */
  release(attemptId: string): Promise<void>;
}

// ---------- Neo4j: learning ----------

export interface LearningStore {
  /** Idempotent per attemptId. */
  recordOutcome(outcome: StrategyOutcome): Promise<void>;
  /** Idempotent per attemptId. */
  recordChoice(choice: StrategyChoice & { attemptId: string }): Promise<void>;
  outcomes(issueType?: string): Promise<StrategyOutcome[]>;
  choices(issueType?: string): Promise<StrategyChoice[]>;
}

// ---------- RabbitMQ: events ----------

export interface EventPublisher {
  /** Resolves once the broker confirmed every event (publisher confirms). */
  publish(events: EventEnvelope[]): Promise<void>;
  close(): Promise<void>;
}

/** Publishes events already written as pending with their record (the transactional outbox). */
export interface EventOutbox {
  /** Publishes the stream's pending events soon, in order, in the background; failures leave them pending. */
  wake(stream: string): void;
  /**
   * Like wake, but publishes `events` (every event of the stream pending when they were read under the stream's lock,
   * oldest first) without reading the stream's pending events again.
   */
  publishRows(stream: string, events: PendingEvent[]): void;
}

export interface EventFeed {
  /** Delivers every event once per id (duplicates dropped), reconnecting after broker restarts. */
  start(onEvent: (event: EventEnvelope) => void): Promise<void>;
  close(): Promise<void>;
}

// ---------- Docker ----------

/** Every method is idempotent: it observes before it acts, so a retried activity never acts twice. */
export interface ContainerRuntime {
  ping(): Promise<void>;
  /** null when there is no such container. Accepts an id, a unique id prefix or a name. */
  inspect(ref: string): Promise<ContainerInfo | null>;
  list(filter: { service?: string; labels?: Record<string, string> }): Promise<ContainerInfo[]>;
  /**
   * The container's state, exit code, OOM kill and, while it runs, its cumulative CPU counters and memory use (one
   * read of the engine's stats, not the two-second averaging one). null when there is no such container. Reads only.
   */
  sample(ref: string): Promise<ContainerSample | null>;
  /** Restarts unless the container was started after `startedAtBefore` (the plan's observation). */
  restartOnce(ref: string, startedAtBefore: string): Promise<{ restarted: boolean; startedAt: string }>;
  /** Makes exactly `count` running replicas labelled selfheal.heal=<healKey>, cloned from `template`. Returns their ids. */
  ensureReplicas(template: string, healKey: string, count: number): Promise<string[]>;
  /** Removes every container labelled selfheal.heal=<healKey>; returns the ids removed. */
  removeReplicas(healKey: string): Promise<string[]>;
  stop(ref: string): Promise<void>;
  start(ref: string): Promise<void>;
  /**
   * Stops, removes and creates again the container named `name` from its own configuration, once per `key`: when
   * the container found under the name is no longer `plannedId`, the recreate is done (`recreated: false`). The
   * configuration is saved (in a created, never started container keyed by `key`) before the removal, so a retry
   * after a crash finishes the recreate from it. Returns the id of the container now under the name.
   */
  recreateOnce(plannedId: string, name: string, key: string): Promise<{ id: string; recreated: boolean; savedBefore: boolean }>;
  /**
   * The undo of recreateOnce: a stopped container under the name is started again; a removed one is created from
   * the saved configuration. Drops the saved configuration. `restored` is false when there was nothing to restore
   * (a running container is under the name, or nothing was saved).
   */
  restoreRecreated(name: string, key: string): Promise<{ id: string | null; restored: boolean; detail: string }>;
}

// ---------- RabbitMQ: queue control (backpressure) ----------

export interface QueueControl {
  /**
   * Puts a max-length (reject-publish) policy on the queue, merged with the queue's own policy (`base`, left as it
   * was); idempotent by policy name.
   */
  applyBackpressure(queue: string, maxLength: number): Promise<{ policy: string; base: string | null }>;
  /** Removes the policy applyBackpressure put there; a no-op when absent. */
  releaseBackpressure(queue: string): Promise<void>;
  getQueue(queue: string): Promise<QueueInfo | null>;
}

// ---------- HTTP probe (verifier) ----------

export interface HttpProbe {
  /** GETs the URL (already checked against the allowlist) and reports the status, never following redirects. */
  get(url: string, timeoutMs: number): Promise<{ status: number; ok: boolean; error?: string }>;
}

// ---------- Neo4j: recent analyses, for the metric re-check verifier ----------

export interface SnapshotSummary {
  id: string;
  at: number;
  metrics: Record<string, number>;
  anomalies: { metric: string; zscore: number; severity: string }[];
}

export interface MetricHistory {
  /** The service's snapshots taken at or after `sinceMs`, newest first. */
  recentSnapshots(service: string, sinceMs: number, limit: number): Promise<SnapshotSummary[]>;
}

// ---------- Neo4j: the autopilot's watches, incidents and decisions ----------

/** What one watch sample (or a heal's start or end) changed; every part idempotent by its id. */
export interface WatchRecord {
  service: string;
  at: number;
  /** The service's sight, when it changed (a blind spell began, changed reason, or ended); `key` names the change. */
  sight: (Sight & { key: string }) | null;
  /** The incident, when it changed, with what changed. */
  incident: { incident: Incident; changes: IncidentChange[] } | null;
  /** The analysis of this sample (its snapshot id): its anomalies are linked to the incident it opened or grew. */
  snapshotId: string | null;
  /** `offer`: in suggest, the /heal request body (JSON) a person may start (docs/autopilot.md, "suggest"). */
  decision: (Decision & { result: string; offer?: string }) | null;
  /** The heal the decision started: linked to the incident and the decision. */
  heal: { attemptId: string; workflowId: string } | null;
}

/** A stored batch's counts, or (nothing stored) the first service whose pending samples would pass `maxPending`. */
export type PushedBatchResult = { accepted: number; duplicate: number } | { full: { service: string; pending: number } };

/** Metrics clients push in batches, pending until a watch of their service takes them (docs/autopilot.md). */
export interface PushedMetricsStore {
  /**
   * Stores the batch in one transaction, each sample once per key: a key already stored (a retry) is a duplicate.
   * The keys of one batch are distinct (the caller counts repeats within it). A batch that would leave more than
   * PUSH_MAX_PENDING_PER_SERVICE samples of a service pending stores nothing.
   */
  storeBatch(samples: readonly PushedSample[], receivedAt: number): Promise<PushedBatchResult>;
  /**
   * The service's pending samples, oldest first and at most `limit`, taken by `tickId`: asked again with the same
   * tick id, the same samples, or none if it took none (a retried sample analyses what its first try took). Samples taken longer than
   * `forgetBefore` ago are deleted then.
   */
  takePending(input: { service: string; tickId: string; limit: number; at: number; forgetBefore: number }): Promise<PushedSample[]>;
}

export interface AutopilotStore {
  recordWatch(record: WatchRecord): Promise<void>;
}

// ---------- Neo4j: the autonomy policy (seeded by the file, edited through the API) ----------

/** The policy in force: its document (YAML or JSON text) and who made it so. */
export interface StoredPolicy {
  text: string;
  /** The first 16 hex digits of the document's SHA-256. */
  version: string;
  /** `file:<path>` when seeded from AUTOPILOT_POLICY_FILE, `api` when edited through the API. */
  source: string;
  updatedAt: number;
  updatedBy: string;
}

/** One audited change of the policy: who, when, from which version to which, both documents. */
export interface PolicyChange {
  id: string;
  at: number;
  actor: string;
  source: string;
  oldVersion: string | null;
  newVersion: string;
  oldDocument: string | null;
  newDocument: string;
}

export interface PolicyStore {
  current(): Promise<StoredPolicy | null>;
  /**
   * The file seeds the policy: stored when none is, or when the file differs from the one that seeded it last (an
   * operator changed the file on purpose); an edit through the API otherwise survives restarts. Returns the policy in force.
   */
  seed(file: { text: string; version: string; path: string }, at: number): Promise<StoredPolicy>;
  /** Replaces the policy (one audited change); an unchanged document changes nothing and records nothing. */
  replace(next: { text: string; version: string }, actor: string, at: number): Promise<{ policy: StoredPolicy; change: PolicyChange | null }>;
  /** The latest changes, newest first. */
  changes(limit: number): Promise<PolicyChange[]>;
}
