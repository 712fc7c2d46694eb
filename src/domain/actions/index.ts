// The registry of action handlers: one per ActionKind, enforced by the type. Adding a kind to ActionKind without a
// handler here is a compile error; see docs/extending.md.
import type { PlanStep } from '../heal';
import type { ActionKind } from '../types';
import { applyBackpressure } from './apply-backpressure';
import type { ActionHandler } from './handler';
import { noop } from './noop';
import { recreateContainer } from './recreate-container';
import { restartContainer } from './restart-container';
import { scaleUp } from './scale-up';

export type { ActionHandler, ActionPlanContext, ObservedTarget, PlannedStep } from './handler';
export { replicaKey } from './handler';

export const ACTION_HANDLERS: { readonly [K in ActionKind]: ActionHandler<K> } = {
  restart_container: restartContainer,
  scale_up: scaleUp,
  apply_backpressure: applyBackpressure,
  recreate_container: recreateContainer,
  noop,
};

export function handlerFor<K extends ActionKind>(kind: K): ActionHandler<K> {
  const handler = ACTION_HANDLERS[kind] as ActionHandler<K> | undefined;
  // Only reachable with data from outside the type system (an old history, a hand-written strategy).
  if (!handler) throw new Error(`no handler for action kind ${JSON.stringify(kind)}`);
  return handler;
}

/** Containers, replicas or queues the steps touch together. */
export function blastRadiusOf(steps: PlanStep[]): number {
  return steps.reduce((n, s) => n + handlerFor(s.action).blastRadius(s), 0);
}
