// The I/O half of an action kind: executing a planned step and compensating it. Each is idempotent: it observes
// before acting, and names and labels derive from the attempt id and step index, so a retried activity never acts
// twice. The pure half (plan steps, blast radius, inverse, observed targets, default verifier) is the kind's handler
// in src/domain/actions/.
import type { PlanStep, StepResult } from '../../src/domain/heal';
import type { StepActionKind } from '../../src/domain/types';
import type { ActivityDeps } from '../deps';

export interface StepContext {
  deps: ActivityDeps;
  /** The attempt id: stable across retries, worker crashes and resets. */
  healKey: string;
  service: string;
}

export interface ActionExecutor<K extends StepActionKind = StepActionKind> {
  kind: K;
  execute(step: PlanStep & { action: K }, ctx: StepContext): Promise<StepResult>;
  /** Undoes the step from the step alone, so a step that failed half-way is undone too. */
  compensate(step: PlanStep & { action: K }, ctx: StepContext): Promise<StepResult>;
}

/** The key of one step of one heal (attempt id and step index): what a retry and the compensation find its effects by. */
export { replicaKey as stepKey } from '../../src/domain/actions';
