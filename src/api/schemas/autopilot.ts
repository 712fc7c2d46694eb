// Replies of the autopilot's operator routes (src/api/routes/autopilot.ts): the policy and its changes, incidents
// with their timelines, shadow comparisons and the causal why. Shapes follow src/domain/autopilot/{shadow,timeline}.ts
// and src/adapters/neo4j/autopilot-reads.ts.
import { Type } from '@sinclair/typebox';
import { strict } from './common';
import { EpochMs, literals, Nullable } from './responses';

const LEVELS = ['off', 'shadow', 'suggest', 'approve', 'auto'] as const;
const Level = literals(LEVELS);
const NullableString = Nullable(Type.String());
const NullableMs = Nullable(EpochMs);

const ServicePolicyReply = strict({
  default: Nullable(literals(LEVELS, { description: "this service's default; null: the policy's" })),
  strategies: Type.Object({}, { additionalProperties: Level, description: 'strategy name to level' }),
});

export const PolicyReply = strict({
  stored: Type.Boolean({ description: 'false when no policy was ever stored (no worker had AUTOPILOT_POLICY_FILE, nobody PUT one): the autopilot is off' }),
  version: Nullable(Type.String({ description: "first 16 hex digits of the document's SHA-256" })),
  source: Nullable(Type.String({ description: '`file:<path>` (seeded from AUTOPILOT_POLICY_FILE) or `api`' })),
  updated_at: NullableMs,
  updated_by: NullableString,
  default: Level,
  services: Type.Object({}, { additionalProperties: ServicePolicyReply, description: 'the watched services (a scoped token sees its own only)' }),
  document: Nullable(Type.String({ description: 'the YAML or JSON text; null for a scoped token (it names other services)' })),
});

export const PolicyChangedReply = strict({
  changed: Type.Boolean({ description: 'false when the document was already in force (nothing recorded)' }),
  version: Type.String(),
  previous_version: NullableString,
  change_id: NullableString,
  watched: Type.Array(Type.String()),
  watches_started: Type.Array(Type.String({ description: 'watch workflow ids (running ones are left as they are)' })),
  watch_error: NullableString,
});

const PolicyChangeReply = strict({
  id: Type.String(),
  at: EpochMs,
  actor: Type.String(),
  source: Type.String(),
  old_version: NullableString,
  new_version: Type.String(),
  old_document: NullableString,
  new_document: Type.String(),
});
export const PolicyChangesReply = strict({ items: Type.Array(PolicyChangeReply, { description: 'newest first' }) });

const IncidentReply = strict({
  id: Type.String(),
  service: Type.String(),
  status: literals(['open', 'mitigating', 'resolved', 'escalated']),
  openedAt: EpochMs,
  closedAt: NullableMs,
  escalatedAt: NullableMs,
  escalation: NullableString,
  troubles: Type.Array(Type.String()),
  attempts: Type.Integer(),
  lastOutcome: NullableString,
});
const DecisionFields = {
  id: Type.String(),
  at: EpochMs,
  level: Type.String(),
  strategy: NullableString,
  reason: Type.String(),
  result: NullableString,
  policyRule: NullableString,
  policyVersion: NullableString,
  acceptedBy: NullableString,
  acceptedAt: NullableMs,
};
const AttemptViewReply = strict({
  id: Type.String(),
  workflowId: NullableString,
  at: EpochMs,
  finishedAt: NullableMs,
  outcome: NullableString,
  actor: NullableString,
  strategy: NullableString,
});
const TimelineEntryReply = strict({
  at: EpochMs,
  kind: literals(['opened', 'decision', 'suggestion_taken', 'heal_started', 'heal_finished', 'escalated', 'resolved']),
  level: Type.Optional(Type.String()),
  outcome: Type.Optional(Type.String()),
  text: Type.String(),
});
export const IncidentsReply = strict({
  items: Type.Array(
    strict({
      incident: IncidentReply,
      decisions: Type.Array(strict({ ...DecisionFields, start: NullableString })),
      attempts: Type.Array(AttemptViewReply),
      timeline: Type.Array(TimelineEntryReply, { description: 'oldest first' }),
    }),
    { description: 'newest first' },
  ),
});

export const ShadowReply = strict({
  from: EpochMs,
  to: EpochMs,
  truncated: Type.Boolean({ description: 'true when the window held more shadow decisions than were compared (the newest were)' }),
  strategies: Type.Array(
    strict({
      service: Type.String(),
      strategy: NullableString,
      decisions: Type.Integer(),
      self_resolved: Type.Integer(),
      self_resolved_share: Nullable(Type.Number()),
      healed_later: Type.Integer(),
      still_active: Type.Integer(),
      median_self_resolved_ms: NullableMs,
      p95_self_resolved_ms: NullableMs,
      median_resolved_ms: NullableMs,
      p95_resolved_ms: NullableMs,
    }),
  ),
});

export const AutopilotWhyReply = strict({
  service: Type.String(),
  at: EpochMs,
  answer: Type.String({ description: 'the answer in one sentence' }),
  sight: Nullable(strict({ blind: Type.Boolean(), reason: NullableString, since: EpochMs })),
  incident: Nullable(IncidentReply),
  anomalies: Type.Array(strict({ metric: Type.String(), value: Type.Number(), zscore: Type.Number(), severity: Type.String(), at: EpochMs })),
  diagnoses: Type.Array(strict({ at: EpochMs, issueType: Type.String(), rootCause: Type.String(), confidence: Type.Number(), recommended: Type.Array(Type.String()) })),
  decisions: Type.Array(
    strict({
      ...DecisionFields,
      policy: Nullable(strict({ version: Type.String(), source: Type.String(), actor: Type.String(), at: EpochMs })),
      attempt: Nullable(AttemptViewReply),
    }),
  ),
});
