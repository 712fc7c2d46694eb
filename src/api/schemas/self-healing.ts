// Request and response schemas of /api/self_healing: strict (unknown fields refused), bounded sizes.
import { Type, type Static } from '@sinclair/typebox';
import { ContainerRef, IdentifierName, MetricName, MetricValue, QueueName, ServiceName, strict } from './common';

const ContainerObservation = strict({
  id: ContainerRef,
  name: Type.Optional(Type.String({ maxLength: 128 })),
  service: Type.Optional(ServiceName),
  state: Type.Union(['running', 'exited', 'restarting', 'paused', 'created', 'dead', 'removing'].map((s) => Type.Literal(s))),
  health: Type.Optional(Type.Union(['healthy', 'unhealthy', 'starting', 'none'].map((s) => Type.Literal(s)))),
  restart_count: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
});

const LeafVerifier = Type.Union([
  strict({ name: Type.Literal('container_health'), params: Type.Optional(strict({ hold_seconds: Type.Optional(Type.Number({ minimum: 0, maximum: 3600 })) })) }),
  strict({
    name: Type.Literal('http_probe'),
    params: strict({
      url: Type.String({ maxLength: 2048 }),
      expect_status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
      timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 30_000 })),
    }),
  }),
  strict({
    name: Type.Literal('metric_recheck'),
    params: strict({
      metrics: Type.Array(MetricName, { minItems: 1, maxItems: 20 }),
      k: Type.Optional(Type.Number({ minimum: 0.5, maximum: 20 })),
      intervals: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    }),
  }),
]);
const CompositeVerifier = strict({
  name: Type.Union([Type.Literal('all'), Type.Literal('any')]),
  params: strict({ verifiers: Type.Array(LeafVerifier, { minItems: 1, maxItems: 10 }) }),
});
export const Verifier = Type.Union([LeafVerifier, CompositeVerifier]);

export const Context = strict({
  services: Type.Optional(Type.Array(ServiceName, { maxItems: 20, uniqueItems: true })),
  queues: Type.Optional(Type.Array(QueueName, { maxItems: 20, uniqueItems: true })),
  containers: Type.Optional(Type.Array(ContainerRef, { maxItems: 20, uniqueItems: true })),
  container_states: Type.Optional(Type.Array(ContainerObservation, { maxItems: 50 })),
  /** The spec's `verify`: here the name of a server-side verifier, or verifiers with parameters. */
  verify: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Verifier, Type.Array(Verifier, { maxItems: 10 })])),
});
export type ContextBody = Static<typeof Context>;

export const AnalyzeBody = strict({
  service: Type.Optional(ServiceName),
  metrics: Type.Record(MetricName, MetricValue, { minProperties: 1, maxProperties: 50 }),
  at: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
  context: Type.Optional(Context),
});
export type AnalyzeBody = Static<typeof AnalyzeBody>;

const Evidence = strict({
  kind: Type.Union([Type.Literal('anomaly'), Type.Literal('context'), Type.Literal('metric')]),
  metric: Type.Optional(Type.String({ maxLength: 128 })),
  detail: Type.String({ maxLength: 1000 }),
});
const DiagnosisFields = {
  issue_type: IdentifierName,
  root_cause: Type.String({ minLength: 1, maxLength: 500 }),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  impacted_components: Type.Array(Type.String({ maxLength: 128 }), { maxItems: 50 }),
  recommended_strategies: Type.Array(IdentifierName, { maxItems: 20 }),
};
const Hypothesis = strict({ rule_id: Type.String({ maxLength: 128 }), ...DiagnosisFields, evidence: Type.Array(Evidence, { maxItems: 50 }) });
export const Diagnosis = strict({ ...DiagnosisFields, hypotheses: Type.Optional(Type.Array(Hypothesis, { maxItems: 20 })) });

export const HealBody = strict({
  issue: strict({ diagnosis: Diagnosis }),
  context: Type.Optional(Context),
  service: Type.Optional(ServiceName),
  dry_run: Type.Optional(Type.Boolean({ default: true })),
  strategy: Type.Optional(IdentifierName),
  replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  max_length: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
  verify: Type.Optional(Type.Array(Verifier, { maxItems: 10 })),
  require_approval: Type.Optional(Type.Boolean()),
  skip_if_healthy: Type.Optional(Type.Boolean()),
});
export type HealBody = Static<typeof HealBody>;

export const DecisionBody = strict({ comment: Type.Optional(Type.String({ maxLength: 500 })) });
export const CancelBody = strict({ reason: Type.Optional(Type.String({ maxLength: 500 })) });
export const RunQuery = strict({ run_id: Type.Optional(Type.String({ pattern: '^[0-9a-f-]{36}$' })) });
