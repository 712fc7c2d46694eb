// Actions and their inverses, as activities: each dispatches to the executor of the step's kind
// (activities/actions/), which is idempotent, so a retried activity never restarts twice or scales twice.
import { heartbeat } from '@temporalio/activity';
import type { PlanStep, StepResult } from '../src/domain/heal';
import { compensateStep, executeStep } from './actions';
import type { ActivityDeps } from './deps';

interface StepInput {
  step: PlanStep;
  /** The attempt id: stable across retries, worker crashes and resets. */
  healKey: string;
  service: string;
}


export function createRemediationActivities(deps: ActivityDeps) {
  return {
    async executeStep({ step, healKey, service }: StepInput): Promise<StepResult> {
      heartbeat();
      return { ...(await executeStep(step, { deps, healKey, service })), host: deps.config.worker.hostId };
    },

    /** Undoes one step; works from the step alone, so a step that failed half-way is undone too. */
    async compensateStep({ step, healKey, service }: StepInput & { result: StepResult | null }): Promise<StepResult> {
      heartbeat();
      return { ...(await compensateStep(step, { deps, healKey, service })), host: deps.config.worker.hostId };
    },
  };
}
