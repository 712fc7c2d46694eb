// Shapes of a heal: the request as the workflow receives it, the plan, its status and its result.
import type { Diagnosis, HealContext, InverseKind, RiskLevel, StepActionKind } from './types';

/** A named server-side verifier with parameters: never code from a client (the spec's `verify` callable). */
export type VerifierSpec =
  | { name: 'container_health'; params?: { hold_seconds?: number } }
  | { name: 'http_probe'; params: { url: string; expect_status?: number; timeout_ms?: number } }
  | { name: 'metric_recheck'; params: { metrics: string[]; k?: number; intervals?: number } }
  | { name: 'all' | 'any'; params: { verifiers: VerifierSpec[] } };

export interface HealInput {
  service: string;
  diagnosis: Diagnosis;
  context: HealContext;
  dryRun: boolean;
  /** Skip selection and use this strategy (must be in the library and allowed). */
  strategy?: string;
  /** Replicas to add for scale_service. */
  replicas?: number;
  /** max-length for apply_backpressure. */
  maxLength?: number;
  verify: VerifierSpec[];
  /**
   * Verifiers added to the plan's default ones when `verify` is empty (the autopilot's metric_recheck over its own
   * samples); absent in heals started before it existed.
   */
  verifyAlso?: VerifierSpec[];
  requireApproval: boolean;
  /** Run the verifiers before acting and skip the actions when the target is already healthy. */
  skipIfHealthy: boolean;
  actor: string;
  requestId: string;
}

export interface PlanTarget {
  kind: 'container' | 'service' | 'queue';
  id: string;
  name?: string;
  /** The worker host whose Docker engine runs the step: the step goes to that host's task queue. */
  host?: string;
}

export interface PlanStep {
  index: number;
  action: StepActionKind;
  target: PlanTarget;
  params: {
    /** The container's StartedAt when planned: a restart is done once, even when the activity is retried. */
    startedAtBefore?: string;
    template?: string;
    replicas?: number;
    maxLength?: number;
    /** Wait until the container is healthy again before the next step (rolling restarts). */
    waitHealthySeconds?: number;
  };
  expected_effect: string;
  rollback: { action: InverseKind | null; description: string };
}

export interface SafetyCheck {
  name: string;
  passed: boolean;
  detail: string;
}

export interface StrategySelection {
  method: 'thompson' | 'explicit' | 'none';
  reason: string;
  candidates: string[];
  samples?: { strategy: string; sample: number; posteriorMean: number }[];
}

export interface HealPlan {
  attempt_id: string;
  workflow_id: string;
  service: string;
  dry_run: boolean;
  issue_type: string;
  root_cause: string;
  strategy: string | null;
  risk: RiskLevel | null;
  selection: StrategySelection;
  steps: PlanStep[];
  safety_checks: SafetyCheck[];
  /** False when a safety check failed: the heal is refused (dry runs still show the plan). */
  allowed: boolean;
  requires_approval: boolean;
  approval_reasons: string[];
  /** The circuit breaker is among the approval reasons: its approval always needs a second person. */
  circuit_breaker_open?: boolean;
  approval_timeout_seconds: number;
  /** A verified backpressure policy is lifted after this long (HEAL_BACKPRESSURE_RELEASE_SECONDS). */
  backpressure_release_seconds: number;
  verifiers: VerifierSpec[];
  /** Verification polls with workflow timers: up to max_checks, every interval, until consecutive_required pass in a row. */
  verification: { interval_seconds: number; max_checks: number; consecutive_required: number };
}

export type HealPhase =
  | 'planning'
  | 'awaiting_approval'
  | 'executing'
  | 'verifying'
  | 'compensating'
  | 'completed';

export interface StepProgress {
  seq: number;
  step: string;
  status: 'ok' | 'failed' | 'skipped' | 'info';
  detail: string;
  at: number;
}

export interface HealStatus {
  workflow_id: string;
  run_id: string;
  attempt_id: string;
  service: string;
  dry_run: boolean;
  phase: HealPhase;
  outcome: string | null;
  plan: HealPlan | null;
  steps: StepProgress[];
  verified: boolean;
  applied: boolean;
  reasons: string[];
}

export interface ApprovalDecision {
  approve: boolean;
  actor: string;
  comment?: string;
  /** The decider's token role: an admin may approve their own heal with an override reason (four eyes). */
  role?: 'viewer' | 'operator' | 'admin';
  /** Why an admin approves their own heal; recorded in the audit. */
  overrideReason?: string;
}

export interface VerifierVerdict {
  healthy: boolean;
  evidence: string[];
}

/** Result of one action: what to undo, if anything. */
export interface StepResult {
  changed: boolean;
  detail: string;
  /** Ids the rollback needs (e.g. the replicas created, the containers stopped). */
  affected: string[];
  /** The host of the worker that ran it (WORKER_HOST_ID). */
  host?: string;
}

export interface AnalyzeInput {
  service: string;
  metrics: Record<string, number>;
  /** Epoch ms of the metrics; null for "now" (stamped when the analysis runs, after the service's newest sample). */
  at: number | null;
  context: HealContext;
  actor: string;
  requestId: string;
}

export interface AnalyzeResult {
  workflow_id: string;
  service: string;
  at: string;
  anomalies: import('./types').Anomaly[];
  diagnosis: Diagnosis;
  sample_counts: Record<string, number>;
  /** Metrics whose sample arrived after a newer one: recorded and judged, but not folded into their baseline. */
  late_metrics: string[];
}
