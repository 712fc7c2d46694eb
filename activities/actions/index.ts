// The registry of executors: one per kind a plan step can have, enforced by the type (see docs/extending.md).
import type { PlanStep, StepResult } from '../../src/domain/heal';
import type { StepActionKind } from '../../src/domain/types';
import { ActionFailedError } from '../../src/errors';
import { applyBackpressureExecutor } from './apply-backpressure';
import type { ActionExecutor, StepContext } from './executor';
import { recreateContainerExecutor } from './recreate-container';
import { restartContainerExecutor } from './restart-container';
import { scaleUpExecutor } from './scale-up';

export type { ActionExecutor, StepContext } from './executor';

export const ACTION_EXECUTORS: { readonly [K in StepActionKind]: ActionExecutor<K> } = {
  restart_container: restartContainerExecutor,
  scale_up: scaleUpExecutor,
  apply_backpressure: applyBackpressureExecutor,
  recreate_container: recreateContainerExecutor,
};

function executorFor(step: PlanStep): ActionExecutor {
  const executor = ACTION_EXECUTORS[step.action] as ActionExecutor | undefined;
  // Only data from outside the type system (an old history, a hand-edited plan) gets here: fail, never skip.
  if (!executor) throw new ActionFailedError(`action ${JSON.stringify(step.action)} has no executor`);
  return executor;
}

export function executeStep(step: PlanStep, ctx: StepContext): Promise<StepResult> {
  return executorFor(step).execute(step, ctx);
}

export function compensateStep(step: PlanStep, ctx: StepContext): Promise<StepResult> {
  return executorFor(step).compensate(step, ctx);
}
