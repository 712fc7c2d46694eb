// The one versioned envelope for everything published to RabbitMQ and relayed to Socket.IO.

export const EVENT_VERSION = 1;

export type EventKind = 'analyze' | 'heal';

export type HealStep =
  | 'planned'
  | 'refused'
  | 'approval_requested'
  | 'approved'
  | 'rejected'
  | 'precheck'
  | 'action_started'
  | 'action_completed'
  | 'action_failed'
  | 'verification'
  | 'verified'
  | 'verification_failed'
  | 'rollback_started'
  | 'rollback_step'
  | 'rolled_back'
  | 'rollback_failed'
  | 'backpressure_release_scheduled'
  | 'completed';

export type AnalyzeStep = 'analyzed';

export interface EventEnvelope<D = Record<string, unknown>> {
  /** Stable across retries (derived from the workflow id and step), so consumers can drop duplicates. */
  id: string;
  type: EventKind;
  version: typeof EVENT_VERSION;
  /** ISO-8601. */
  at: string;
  workflowId: string;
  runId: string;
  service: string;
  step: HealStep | AnalyzeStep;
  data: D;
}

/** RabbitMQ routing key: self_healing.<type>.<step>. */
export function routingKey(e: Pick<EventEnvelope, 'type' | 'step'>): string {
  return `self_healing.${e.type}.${e.step}`;
}

/** Socket.IO event name: self_healing:analyze or self_healing:heal. */
export function socketEventName(e: Pick<EventEnvelope, 'type'>): string {
  return `self_healing:${e.type}`;
}
