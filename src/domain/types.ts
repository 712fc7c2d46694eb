// Shapes shared by the domain, the activities, the workflows (as types only) and the API.
// Field names that cross the REST boundary use snake_case, as in the spec; internal ones use camelCase.

export type Severity = 'medium' | 'high';
export type SampleSeverity = 'none' | Severity;

/** One metric value flagged by the detector. */
export interface Anomaly {
  metric: string;
  value: number;
  /** The value the baseline expected (forecast). */
  baseline: number;
  /** Robust standard deviation used for the z-score. */
  std: number;
  zscore: number;
  /** Anomaly score in [0, 1]. */
  score: number;
  severity: Severity;
  direction: 'above' | 'below';
  /** A sentence a person understands, e.g. "error_rate 0.08 is 4.2σ above its baseline 0.011". */
  hint: string;
  /** The sample arrived after a newer one of its metric: judged against the baseline, which it did not move. */
  late?: true;
  /**
   * The metric's episode: 'opened' when this sample starts one (a new alarm), 'ongoing' when it belongs to one opened
   * earlier (the same incident, not a new alarm). Absent on records written before episodes existed.
   */
  episode?: 'opened' | 'ongoing';
  /** When that episode opened (ISO 8601). */
  episode_opened_at?: string;
}

/** What the caller knows about the environment of a service: what may be touched and observed. */
export interface HealContext {
  services?: string[];
  queues?: string[];
  containers?: string[];
  /** Observed container states, when the caller (or an activity) has them: drives crash-loop diagnosis. */
  container_states?: ContainerObservation[];
}

export interface ContainerObservation {
  id: string;
  name?: string;
  service?: string;
  state: 'running' | 'exited' | 'restarting' | 'paused' | 'created' | 'dead' | 'removing';
  health?: 'healthy' | 'unhealthy' | 'starting' | 'none';
  restart_count?: number;
}

export interface Evidence {
  /** Rule clause or metric that matched. */
  kind: 'anomaly' | 'context' | 'metric';
  metric?: string;
  detail: string;
}

export interface Hypothesis {
  rule_id: string;
  issue_type: string;
  root_cause: string;
  confidence: number;
  impacted_components: string[];
  recommended_strategies: string[];
  evidence: Evidence[];
}

/** The spec's diagnosis (top hypothesis) plus the ranked hypotheses behind it. */
export interface Diagnosis {
  issue_type: string;
  root_cause: string;
  confidence: number;
  impacted_components: string[];
  recommended_strategies: string[];
  hypotheses?: Hypothesis[];
}

export type RiskLevel = 'low' | 'medium' | 'high';

/**
 * The kinds of action a strategy may take. Each has exactly one handler (src/domain/actions/, registered in
 * src/domain/actions/index.ts, executed by activities/actions/): a kind without one does not compile.
 */
export type ActionKind = 'restart_container' | 'scale_up' | 'apply_backpressure' | 'recreate_container' | 'noop';

/** The kinds of action a plan step executes: `noop` (the observe strategy) plans no step. */
export type StepActionKind = Exclude<ActionKind, 'noop'>;

/** How a step is undone; owned by the handler of the step's action kind. */
export type InverseKind = 'remove_replicas' | 'release_backpressure' | 'restore_container';

export interface StrategyAction {
  kind: ActionKind;
  description: string;
  /** The action that undoes this one; null when the action cannot be undone (e.g. a restart) and needs none. */
  inverse: InverseKind | null;
  /** What the targets are: containers from the context, services, or queues. */
  targets: 'containers' | 'services' | 'queues';
  /** Default parameters of the action (e.g. replicas to add, queue max length); a heal request may override them. */
  parameters?: Record<string, number | string>;
}

export interface Precondition {
  /** The context field that must hold something. */
  field: 'containers' | 'services' | 'queues';
  /**
   * non_empty: the context field lists something. any_unhealthy (containers only): when the context carries
   * container_states for allowed containers, at least one is unhealthy, exited, restarting or dead.
   */
  rule: 'non_empty' | 'any_unhealthy';
  reason: string;
}

/** The result of one precondition or safety check, shown in plans and refusals. */
export interface CheckResult {
  name: string;
  passed: boolean;
  detail: string;
}

export interface Strategy {
  name: string;
  description: string;
  actions: StrategyAction[];
  preconditions: Precondition[];
  risk: RiskLevel;
  /** Most containers or replicas one heal may touch. */
  blast_radius: number;
  cooldown_seconds: number;
  /** Applied heals with this strategy wait for a person to approve them. */
  requires_approval: boolean;
}

/** One attempt's outcome as the learner sees it. Dry runs are never outcomes. */
export interface StrategyOutcome {
  attemptId: string;
  issueType: string;
  strategy: string;
  success: boolean;
  /** Epoch milliseconds. */
  at: number;
}

export interface StrategyChoice {
  issueType: string;
  strategy: string;
  at: number;
}

/** Learning figures per (strategy, issue type), as served by GET /api/self_healing/learning. */
export interface LearningStat {
  strategy: string;
  issue_type: string;
  attempts: number;
  successes: number;
  /** Time-discounted pseudo-counts of attempts behind the posterior. */
  effective_attempts: number;
  posterior_mean: number;
  /** 5% and 95% quantiles of the Beta posterior. */
  credible_interval_90: [number, number];
  /** Epoch milliseconds of the last outcome or choice; null when never used. */
  last_used: number | null;
  chosen_count: number;
}
