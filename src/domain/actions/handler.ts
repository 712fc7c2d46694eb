// The pure half of an action kind: how a strategy's action becomes plan steps, how much of the system each step
// touches, how it is undone (in words), what a verifier observes after it, and the verifier that applies by default.
// The other half (execution and compensation: I/O) is its executor in activities/actions/. Every member is required:
// a handler that leaves one out does not compile, and neither does a registry (./index.ts) missing a kind.
import type { HealInput, PlanStep, VerifierSpec } from '../heal';
import type { ContainerInfo } from '../observations';
import type { PlanObservations, PlanPolicy } from '../planning-input';
import type { ActionKind, InverseKind, StrategyAction } from '../types';

/** What planning knows when it turns one strategy action into steps. */
export interface ActionPlanContext {
  heal: HealInput;
  action: StrategyAction;
  /** The observed containers of the context's allowlist (those that exist). */
  allowed: ContainerInfo[];
  observed: PlanObservations;
  policy: PlanPolicy;
}

/** A step as a handler plans it; the planner numbers it and adds the handler's rollback. */
export type PlannedStep = Omit<PlanStep, 'index' | 'rollback'>;

/** What the container_health verifier looks at after (or, for the pre-check, before) a step. */
export type ObservedTarget =
  | { kind: 'container'; ref: string; label: string }
  | { kind: 'labelled'; labels: Record<string, string>; expected: number; label: string };

export interface ActionHandler<K extends ActionKind = ActionKind> {
  kind: K;
  /** How a step of this kind is undone; null when it cannot be and leaves nothing behind (a restart). */
  inverse: { kind: InverseKind; description: string } | null;
  planSteps(ctx: ActionPlanContext): PlannedStep[];
  /** Containers, replicas or queues one step touches, for the blast-radius check. */
  blastRadius(step: PlanStep): number;
  /** The container whose Docker engine runs this step (its host's worker acts); null when it needs no engine. */
  engineContainer(step: PlanStep): string | null;
  /** The targets a verifier observes for this step; `acted` is false for the pre-check before any action. */
  observedTargets(step: PlanStep, healKey: string, acted: boolean): ObservedTarget[];
  /** The verifier that applies when the request names none; null when this kind has none of its own. */
  defaultVerifier: VerifierSpec | null;
}

/** A strategy action's parameter as a number, or the fallback when it is absent or not a finite number. */
export function numberParam(action: StrategyAction, name: string, fallback: number): number {
  const v = action.parameters?.[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

export function stringParam(action: StrategyAction, name: string, fallback: string): string {
  const v = action.parameters?.[name];
  return typeof v === 'string' ? v : fallback;
}

/** Label value for the replicas one scale step adds: rollback and verification find exactly these. */
export function replicaKey(healKey: string, step: Pick<PlanStep, 'index'>): string {
  return `${healKey}-${step.index}`;
}

export const CONTAINER_HEALTH_DEFAULT: VerifierSpec = { name: 'container_health', params: { hold_seconds: 4 } };
