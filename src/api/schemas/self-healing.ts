// Request and response schemas of /api/self_healing: strict (unknown fields refused), bounded sizes.
import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_RULES } from '../../domain/diagnosis';
import { strategyNames } from '../../domain/strategies';
import { ComponentName, ContainerRef, IdentifierName, MetricName, MetricValue, QueueName, ServiceName, strict } from './common';
import { Verifier } from './verifiers';

const ContainerObservation = strict({
  id: ContainerRef,
  name: Type.Optional(Type.String({ pattern: '^/?[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$', description: 'container name' })),
  service: Type.Optional(ServiceName),
  state: Type.Union(['running', 'exited', 'restarting', 'paused', 'created', 'dead', 'removing'].map((s) => Type.Literal(s))),
  health: Type.Optional(Type.Union(['healthy', 'unhealthy', 'starting', 'none'].map((s) => Type.Literal(s)))),
  restart_count: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
});


export const Context = strict({
  services: Type.Optional(Type.Array(ServiceName, { maxItems: 20, uniqueItems: true })),
  queues: Type.Optional(Type.Array(QueueName, { maxItems: 20, uniqueItems: true })),
  containers: Type.Optional(Type.Array(ContainerRef, { maxItems: 20, uniqueItems: true })),
  container_states: Type.Optional(Type.Array(ContainerObservation, { maxItems: 50 })),
  /** The spec's `verify`: here the name of a server-side verifier, or verifiers with parameters. */
  verify: Type.Optional(Type.Union([Type.String({ pattern: '^[a-z_]{1,64}$' }), Verifier, Type.Array(Verifier, { maxItems: 10 })])),
});
export type ContextBody = Static<typeof Context>;

/**
 * Metric name -> value. Spelled with propertyNames rather than TypeBox's Record (patternProperties), which would let
 * keys outside the pattern through and which @fastify/swagger turns into an unconstrained map in the OpenAPI document.
 */
const MetricMap = Type.Unsafe<Record<string, number>>({
  type: 'object',
  propertyNames: MetricName,
  additionalProperties: MetricValue,
  minProperties: 1,
  maxProperties: 50,
});

export const AnalyzeBody = Type.Object(
  {
    service: Type.Optional(ServiceName),
    metrics: MetricMap,
    at: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
    context: Type.Optional(Context),
  },
  {
    additionalProperties: false,
    examples: [{ metrics: { error_rate: 0.08, cpu_load: 0.92, latency_p95: 450 }, context: { services: ['checkout'], containers: ['checkout-1'] } }],
  },
);
export type AnalyzeBody = Static<typeof AnalyzeBody>;

/** A client's key for one analysis: its retries (after a 503 or a lost answer) are the same analysis. */
export const AnalyzeHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$', description: 'letters, digits and . _ : -, at most 128' })),
});

const BUILT_IN_ISSUE_TYPES = [...new Set(['unknown', 'none', ...DEFAULT_RULES.map((r) => r.outcome.issue_type)])];

const Evidence = strict({
  kind: Type.Union([Type.Literal('anomaly'), Type.Literal('context'), Type.Literal('metric')]),
  metric: Type.Optional(MetricName),
  detail: Type.String({ maxLength: 1000 }),
});
/**
 * Any identifier passes the schema (a rules file may add issue types; the API answers 400 for one the loaded rules
 * do not know). The second branch lists the built-in types, for the OpenAPI document and the fuzzer's generator.
 */
const IssueType = Type.Union([IdentifierName, Type.Unsafe<string>({ type: 'string', enum: BUILT_IN_ISSUE_TYPES })], { description: 'an issue type of the diagnosis rules' });
const StrategyName = Type.Unsafe<string>({ type: 'string', enum: strategyNames(), description: 'a strategy of the library (GET /strategies)' });

const DiagnosisFields = {
  issue_type: IssueType,
  root_cause: Type.String({ minLength: 1, maxLength: 500 }),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  impacted_components: Type.Array(ComponentName, { maxItems: 50 }),
  recommended_strategies: Type.Array(StrategyName, { maxItems: 20 }),
};
const Hypothesis = strict({ rule_id: Type.String({ maxLength: 128 }), ...DiagnosisFields, evidence: Type.Array(Evidence, { maxItems: 50 }) });
export const Diagnosis = strict({ ...DiagnosisFields, hypotheses: Type.Optional(Type.Array(Hypothesis, { maxItems: 20 })) });

const HEAL_EXAMPLE = {
  issue: {
    diagnosis: {
      issue_type: 'degradation',
      root_cause: 'error rate far above its baseline',
      confidence: 0.8,
      impacted_components: ['checkout'],
      recommended_strategies: ['restart_unhealthy', 'scale_service'],
    },
  },
  context: { services: ['checkout'], containers: ['checkout-1'] },
  dry_run: true,
};

export const HealBody = Type.Object({
  issue: strict({ diagnosis: Diagnosis }),
  context: Type.Optional(Context),
  service: Type.Optional(ServiceName),
  dry_run: Type.Optional(Type.Boolean({ default: true })),
  strategy: Type.Optional(StrategyName),
  replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  max_length: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'at least 1: a limit of 0 would refuse every publish' })),
  verify: Type.Optional(Type.Array(Verifier, { maxItems: 10 })),
  require_approval: Type.Optional(Type.Boolean()),
  skip_if_healthy: Type.Optional(Type.Boolean()),
}, { additionalProperties: false, examples: [HEAL_EXAMPLE] });
export type HealBody = Static<typeof HealBody>;

export const DecisionBody = strict({
  comment: Type.Optional(Type.String({ maxLength: 500 })),
  /** Four eyes: an admin approving a heal they requested says why (audited); never enough for the circuit breaker. */
  override_reason: Type.Optional(Type.String({ minLength: 10, maxLength: 500, description: 'admin only: why you approve a heal you requested yourself' })),
});
export const CancelBody = strict({ reason: Type.Optional(Type.String({ maxLength: 500 })) });
export const RunQuery = strict({ run_id: Type.Optional(Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'a Temporal run id (UUID)' })) });
