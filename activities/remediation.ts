// Actions and their inverses, as activities: each dispatches to the executor of the step's kind
// (activities/actions/), which is idempotent, so a retried activity never restarts twice or scales twice.
import { heartbeat, log } from '@temporalio/activity';
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
  /** The result with this worker's host, logged: what was done (or found done already) to what, and where. */
  function logged(message: string, service: string, step: PlanStep, result: StepResult): StepResult {
    const withHost = { ...result, host: deps.config.worker.hostId };
    log.info(message, { service, index: step.index, action: step.action, target: step.target.name ?? step.target.id, host: withHost.host, changed: result.changed, detail: result.detail });
    return withHost;
  }

  return {
    async executeStep({ step, healKey, service }: StepInput): Promise<StepResult> {
      heartbeat();
      return logged('heal step executed', service, step, await executeStep(step, { deps, healKey, service }));
    },

    /** Undoes one step; works from the step alone, so a step that failed half-way is undone too. */
    async compensateStep({ step, healKey, service }: StepInput & { result: StepResult | null }): Promise<StepResult> {
      heartbeat();
      return logged('heal step compensated', service, step, await compensateStep(step, { deps, healKey, service }));
    },
  };
}
