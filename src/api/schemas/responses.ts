// Success (and refusal) replies of every JSON route, for the OpenAPI document and for fast-json-stringify.
// A response schema is also the serializer: a property it does not declare is dropped from the answer, so every field
// a handler returns is declared here, closed (`additionalProperties: false`) where the shape is fully known and open
// only where it is open by design (a step's data, a verifier's params). The shapes follow src/domain/heal.ts,
// src/domain/types.ts, src/adapters/ports.ts and src/adapters/neo4j/{audit-records,why-query}.ts. Constraints are
// those of the domain types, not of the request schemas: an answer repeats stored data, which may be older.
import { Type, type SchemaOptions, type Static, type TSchema } from '@sinclair/typebox';
import { strict } from './common';

/**
 * A string out of a fixed set, as `{ type: string, enum }` rather than TypeBox's union of literals (anyOf of consts):
 * fast-json-stringify validates each value against an anyOf to pick its branch and answers 500 when none fits, while
 * an enum is serialized as the string it is (an unexpected stored value reaches the client, where a check can see it).
 */
export const literals = <const T extends string>(values: readonly T[], options: SchemaOptions = {}) => Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
/** The schema or null, as a type list (`["object", "null"]`): no anyOf for fast-json-stringify to validate against. */
export function Nullable<T extends TSchema>(schema: T) {
  const { type, enum: values, ...rest } = schema as unknown as { type: string; enum?: unknown[] };
  return Type.Unsafe<Static<T> | null>({ ...rest, type: [type, 'null'], ...(values ? { enum: [...values, null] } : {}) });
}
/** An object whose keys are not known in advance: declared as open, with a reason. */
export const OpenObject = (why: string) => Type.Object({}, { additionalProperties: true, description: `open by design: ${why}` });
const NumberMap = (description: string) => Type.Object({}, { additionalProperties: Type.Number(), description });
export const EpochMs = Type.Number({ description: 'epoch milliseconds' });

// ---------- analysis ----------

export const AnomalyReply = strict({
  metric: Type.String(),
  value: Type.Number(),
  baseline: Type.Number({ description: 'the value the baseline expected' }),
  std: Type.Number(),
  zscore: Type.Number(),
  score: Type.Number({ description: 'anomaly score in [0, 1]' }),
  severity: literals(['medium', 'high']),
  direction: literals(['above', 'below']),
  hint: Type.String(),
  late: Type.Optional(Type.Literal(true, { description: 'the sample arrived after a newer one of its metric: judged, not folded into the baseline' })),
  episode: Type.Optional(literals(['opened', 'ongoing'])),
  episode_opened_at: Type.Optional(Type.String({ description: 'ISO 8601' })),
});

const EvidenceReply = strict({ kind: literals(['anomaly', 'context', 'metric']), metric: Type.Optional(Type.String()), detail: Type.String() });
const DiagnosisFields = {
  issue_type: Type.String(),
  root_cause: Type.String(),
  confidence: Type.Number(),
  impacted_components: Type.Array(Type.String()),
  recommended_strategies: Type.Array(Type.String()),
};
const HypothesisReply = strict({ rule_id: Type.String(), ...DiagnosisFields, evidence: Type.Array(EvidenceReply) });
export const DiagnosisReply = strict({ ...DiagnosisFields, hypotheses: Type.Optional(Type.Array(HypothesisReply)) });

export const AnalyzeReply = strict({
  workflow_id: Type.String(),
  service: Type.String(),
  at: Type.String({ description: 'ISO 8601' }),
  anomalies: Type.Array(AnomalyReply),
  diagnosis: DiagnosisReply,
  sample_counts: NumberMap('metric -> samples in its baseline'),
  late_metrics: Type.Array(Type.String(), { description: 'metrics whose sample arrived after a newer one' }),
});

// ---------- heal ----------

/** A verifier as the plan names it; its params differ per verifier (see the request's `verify`). */
const VerifierReply = strict({
  name: literals(['container_health', 'http_probe', 'metric_recheck', 'all', 'any']),
  params: Type.Optional(OpenObject("the verifier's parameters, as in the request's `verify`")),
});

const PlanStepReply = strict({
  index: Type.Integer(),
  action: literals(['restart_container', 'scale_up', 'apply_backpressure', 'recreate_container']),
  target: strict({ kind: literals(['container', 'service', 'queue']), id: Type.String(), name: Type.Optional(Type.String()), host: Type.Optional(Type.String()) }),
  params: strict({
    startedAtBefore: Type.Optional(Type.String()),
    template: Type.Optional(Type.String()),
    replicas: Type.Optional(Type.Integer()),
    maxLength: Type.Optional(Type.Integer()),
    waitHealthySeconds: Type.Optional(Type.Number()),
  }),
  expected_effect: Type.String(),
  rollback: strict({ action: Nullable(literals(['remove_replicas', 'release_backpressure', 'restore_container'])), description: Type.String() }),
});

const CheckReply = strict({ name: Type.String(), passed: Type.Boolean(), detail: Type.String() });
const RiskReply = literals(['low', 'medium', 'high']);

export const HealPlanReply = strict({
  attempt_id: Type.String(),
  workflow_id: Type.String(),
  service: Type.String(),
  dry_run: Type.Boolean(),
  issue_type: Type.String(),
  root_cause: Type.String(),
  strategy: Nullable(Type.String()),
  risk: Nullable(RiskReply),
  selection: strict({
    method: literals(['thompson', 'explicit', 'none']),
    reason: Type.String(),
    candidates: Type.Array(Type.String()),
    samples: Type.Optional(Type.Array(strict({ strategy: Type.String(), sample: Type.Number(), posteriorMean: Type.Number() }))),
  }),
  steps: Type.Array(PlanStepReply),
  safety_checks: Type.Array(CheckReply),
  allowed: Type.Boolean({ description: 'false when a safety check failed' }),
  requires_approval: Type.Boolean(),
  approval_reasons: Type.Array(Type.String()),
  circuit_breaker_open: Type.Optional(Type.Boolean()),
  approval_timeout_seconds: Type.Number(),
  backpressure_release_seconds: Type.Number(),
  verifiers: Type.Array(VerifierReply),
  verification: strict({ interval_seconds: Type.Number(), max_checks: Type.Integer(), consecutive_required: Type.Integer() }),
});

const HealIds = {
  workflow_id: Type.String(),
  run_id: Type.String(),
  heal_id: Type.String(),
  temporal_ui: Type.String({ description: 'link to the workflow in the Temporal UI' }),
};

/** 200: a dry run's plan; `status` is the dry run's outcome (planned, refused, ...). */
export const HealDryRunReply = strict({ ...HealIds, dry_run: Type.Literal(true), status: Nullable(Type.String()), plan: Nullable(HealPlanReply) });
/** 202: an applied heal started; the plan comes back while it goes on. */
export const HealStartedReply = strict({ ...HealIds, dry_run: Type.Literal(false), status: literals(['awaiting_approval', 'running']), plan: HealPlanReply });
/** 422: the safety envelope refused the heal (with its plan), or a request the planner cannot serve (error and message only). */
export const HealRefusedReply = strict({
  error: Type.String(),
  message: Type.String(),
  field: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  reasons: Type.Optional(Type.Array(Type.String(), { description: 'the failed safety checks' })),
  workflow_id: Type.Optional(Type.String()),
  run_id: Type.Optional(Type.String()),
  heal_id: Type.Optional(Type.String()),
  temporal_ui: Type.Optional(Type.String()),
  dry_run: Type.Optional(Type.Literal(false)),
  status: Type.Optional(Type.Literal('refused')),
  plan: Type.Optional(HealPlanReply),
});
/** 409: a heal of the service already running, a heal not awaiting approval, or one already completed. */
export const ConflictReply = strict({
  error: Type.String(),
  message: Type.String(),
  running_workflow_id: Type.Optional(Type.String()),
  running_run_id: Type.Optional(Type.String()),
  workflow_status: Type.Optional(Type.String({ description: 'Temporal status of the completed heal' })),
});

const StepProgressReply = strict({ seq: Type.Integer(), step: Type.String(), status: literals(['ok', 'failed', 'skipped', 'info']), detail: Type.String(), at: EpochMs });

const HealStatusFields = {
  workflow_id: Type.String(),
  run_id: Type.String(),
  attempt_id: Type.String(),
  service: Type.String(),
  dry_run: Type.Boolean(),
  phase: literals(['planning', 'awaiting_approval', 'executing', 'verifying', 'compensating', 'completed']),
  outcome: Nullable(Type.String()),
  plan: Nullable(HealPlanReply),
  steps: Type.Array(StepProgressReply),
  verified: Type.Boolean(),
  applied: Type.Boolean(),
  reasons: Type.Array(Type.String()),
};
/** The answer to approve and reject: the heal's status after the decision. */
export const HealDecisionReply = strict(HealStatusFields);
export const HealStatusReply = strict({ ...HealStatusFields, workflow_status: Type.String({ description: 'Temporal status: RUNNING, COMPLETED, FAILED, ...' }), temporal_ui: Type.String() });
export const CancelReply = strict({ workflow_id: Type.String(), status: Type.Literal('cancel_requested') });

// ---------- strategies and learning ----------

const StrategyReply = strict({
  name: Type.String(),
  description: Type.String(),
  actions: Type.Array(
    strict({
      kind: literals(['restart_container', 'scale_up', 'apply_backpressure', 'recreate_container', 'noop']),
      description: Type.String(),
      inverse: Nullable(literals(['remove_replicas', 'release_backpressure', 'restore_container'])),
      targets: literals(['containers', 'services', 'queues']),
      parameters: Type.Optional(Type.Object({}, { additionalProperties: Type.Union([Type.Number(), Type.String()]), description: "the action's default parameters" })),
    }),
  ),
  preconditions: Type.Array(strict({ field: literals(['containers', 'services', 'queues']), rule: literals(['non_empty', 'any_unhealthy']), reason: Type.String() })),
  risk: RiskReply,
  blast_radius: Type.Integer(),
  cooldown_seconds: Type.Number(),
  requires_approval: Type.Boolean(),
});
export const StrategiesReply = strict({ strategies: Type.Array(StrategyReply) });

const LearningStatReply = strict({
  strategy: Type.String(),
  issue_type: Type.String(),
  attempts: Type.Integer(),
  successes: Type.Integer(),
  effective_attempts: Type.Number(),
  posterior_mean: Type.Number(),
  credible_interval_90: Type.Array(Type.Number(), { minItems: 2, maxItems: 2, description: '5% and 95% quantiles of the Beta posterior' }),
  last_used: Nullable(EpochMs),
  chosen_count: Type.Integer(),
});
export const LearningReply = strict({ stats: Type.Array(LearningStatReply) });

// ---------- audit ----------

const page = <T extends TSchema>(item: T) => strict({ items: Type.Array(item), next_cursor: Nullable(Type.String({ description: 'the next page; null on the last' })) });

const AnomalyEventReply = strict({ ...AnomalyReply.properties, id: Type.String(), snapshotId: Type.String(), service: Type.String(), at: EpochMs });
const SnapshotReply = strict({
  id: Type.String(),
  service: Type.String(),
  at: EpochMs,
  metrics: NumberMap('metric -> value'),
  workflowId: Type.String(),
  actor: Type.String(),
  requestId: Type.String(),
  anomalyCount: Type.Integer(),
  diagnosis: Nullable(strict({ issueType: Type.String(), rootCause: Type.String(), confidence: Type.Number() })),
});
/** A plan as stored with its attempt: one recorded by an older release may lack fields added since. */
const StoredPlanReply = Type.Partial(HealPlanReply);
const AttemptFields = {
  id: Type.String(),
  at: EpochMs,
  workflowId: Type.String(),
  runId: Type.String(),
  service: Type.String(),
  strategy: Nullable(Type.String()),
  dryRun: Type.Boolean(),
  applied: Type.Boolean(),
  verified: Type.Boolean(),
  outcome: literals(['planned', 'refused', 'rejected', 'approval_timeout', 'cancelled', 'recovered_before_action', 'verified', 'rolled_back', 'rollback_failed', 'failed', 'running', 'awaiting_approval']),
  issueType: Type.String(),
  rootCause: Type.String(),
  actor: Type.String(),
  requestId: Type.String(),
  diagnosis: DiagnosisReply,
  plan: Nullable(StoredPlanReply),
  reasons: Type.Array(Type.String()),
  finishedAt: Nullable(EpochMs),
};
const HealStepReply = strict({
  id: Type.String(),
  attemptId: Type.String(),
  seq: Type.Integer(),
  step: Type.String(),
  status: literals(['ok', 'failed', 'skipped', 'info']),
  action: Type.Optional(Type.String()),
  target: Type.Optional(Type.String()),
  detail: Type.String(),
  data: OpenObject("the step's recorded details, which differ per step"),
  at: EpochMs,
});
const AttemptRecordReply = strict(AttemptFields);

export const AnomaliesPage = page(AnomalyEventReply);
export const SnapshotsPage = page(SnapshotReply);
export const AttemptsPage = page(strict({ ...AttemptFields, steps: Type.Optional(Type.Array(HealStepReply, { description: 'with include_steps=true' })) }));
export const AttemptReply = strict({ ...AttemptFields, steps: Type.Array(HealStepReply) });

const SnapshotEntryReply = strict({
  kind: Type.Literal('snapshot'),
  at: EpochMs,
  snapshotId: Type.String(),
  workflowId: Type.String(),
  metrics: NumberMap('metric -> value'),
  anomalies: Type.Array(AnomalyEventReply),
  diagnosis: Nullable(DiagnosisReply),
  supportedBy: Type.Array(Type.Array(Type.String()), { description: 'per hypothesis rank: the metrics of the anomalies that support it' }),
});
const AttemptEntryReply = strict({ kind: Type.Literal('attempt'), at: EpochMs, attempt: AttemptRecordReply, steps: Type.Array(HealStepReply) });
/**
 * An analysis or a heal attempt, told apart by `kind` with if/then/else rather than anyOf: fast-json-stringify then
 * tests only `kind` to pick the shape, instead of validating the whole entry against each (a 500 if none fits).
 */
const WhyEntry = Type.Unsafe<Static<typeof SnapshotEntryReply> | Static<typeof AttemptEntryReply>>({
  type: 'object',
  description: 'an analysis (kind snapshot) or a heal attempt (kind attempt)',
  required: ['kind', 'at'],
  properties: { kind: { type: 'string', enum: ['snapshot', 'attempt'] }, at: EpochMs },
  if: { type: 'object', properties: { kind: { const: 'attempt' } } },
  then: AttemptEntryReply,
  else: SnapshotEntryReply,
});

export const WhyReply = strict({
  service: Type.String(),
  from: EpochMs,
  to: EpochMs,
  timeline: Type.Array(WhyEntry, { description: 'oldest first' }),
});
