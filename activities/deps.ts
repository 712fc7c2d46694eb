import type {
  AuditRetention,
  AutopilotStore,
  PushedMetricsStore,
  AnalysisStore,
  AuditStore,
  ContainerRuntime,
  EventOutbox,
  EventPublisher,
  HealBudget,
  HttpProbe,
  ServiceRegistry,
  LearningStore,
  MetricHistory,
  QueueControl,
} from '../src/adapters/ports';
import type { Config } from '../src/config';
import type { DiagnosisRule } from '../src/domain/diagnosis';
import type { AutopilotPolicy } from '../src/domain/autopilot';

/** Counted where it happens, exposed by the worker's /metrics (src/main/worker-telemetry.ts). */
export interface WorkerCounters {
  analysisRecorded(replayed: boolean): void;
  healFinished(outcome: string, strategy: string | null, dryRun: boolean): void;
}

/** Everything activities may touch, built once by the worker entry point (or a test) and injected. */
export interface ActivityDeps {
  config: Config;
  analysisStore: AnalysisStore;
  auditStore: AuditStore;
  budget: HealBudget;
  retention: AuditRetention;
  serviceRegistry: ServiceRegistry;
  learningStore: LearningStore;
  metricHistory: MetricHistory;
  publisher: EventPublisher;
  outbox: EventOutbox;
  containers: ContainerRuntime;
  queues: QueueControl;
  http: HttpProbe;
  rules: readonly DiagnosisRule[];
  autopilotStore: AutopilotStore;
  /** Metrics clients pushed, pending for the watch of their service. */
  pushedMetrics: PushedMetricsStore;
  /** The autonomy policy file; null when the autopilot is off (no AUTOPILOT_POLICY_FILE). */
  autopilotPolicy: AutopilotPolicy | null;
  /**
   * The policy in force (Neo4j: the file seeds it, the API edits it), read by every sample; absent, the file's
   * `autopilotPolicy` is used as it is (tests on fakes).
   */
  autopilotPolicies?: { current(options?: { fresh?: boolean }): Promise<AutopilotPolicy> };
  /** Uniform [0, 1): Thompson sampling's randomness, injected so tests can seed it. */
  random: () => number;
  now: () => number;
  counters: WorkerCounters;
}
