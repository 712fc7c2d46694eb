// Actions and their inverses. Each is idempotent: it observes before acting, and names and labels derive from the
// attempt id and step index, so a retried activity never restarts twice or scales twice.
import { activityInfo, heartbeat, sleep } from '@temporalio/activity';
import { ActionFailedError, TargetGoneError } from '../src/errors';
import type { PlanStep, StepResult } from '../src/domain/heal';
import type { ActivityDeps } from './deps';

interface StepInput {
  step: PlanStep;
  /** The attempt id: stable across retries, worker crashes and resets. */
  healKey: string;
  service: string;
}

/** Label value for the replicas one scale step adds: rollback removes exactly these. */
export function replicaKey(healKey: string, step: PlanStep): string {
  return `${healKey}-${step.index}`;
}

/**
 * A restart found already done by a retried attempt, at or after the step was first scheduled, is this step's own
 * (the worker died after restarting); one found on the first attempt, or from before, was someone else's.
 */
function restartedByEarlierAttempt(startedAt: string): boolean {
  const { attempt, scheduledTimestampMs } = activityInfo();
  return attempt > 1 && Date.parse(startedAt) >= scheduledTimestampMs;
}

export function createRemediationActivities(deps: ActivityDeps) {
  async function waitHealthy(ref: string, label: string, seconds: number): Promise<string> {
    const deadline = deps.now() + seconds * 1000;
    for (;;) {
      heartbeat();
      const c = await deps.containers.inspect(ref);
      // Removed while we wait: no amount of waiting brings it back, so the heal fails now instead of at the deadline.
      if (c === null || c.state === 'removing') throw new TargetGoneError(`${label} was removed while waiting for it to be healthy`);
      if (c.state === 'running' && (c.health === 'healthy' || c.health === 'none')) return `${c.name} is running (health ${c.health})`;
      if (deps.now() >= deadline) {
        throw new ActionFailedError(`${label} not healthy within ${seconds}s (state ${c.state}, health ${c.health})`);
      }
      await sleep(500);
    }
  }

  return {
    async executeStep({ step, healKey }: StepInput): Promise<StepResult> {
      heartbeat();
      const target = step.target.id;
      switch (step.action) {
        case 'restart_container': {
          const label = step.target.name ?? target;
          const r = await deps.containers.restartOnce(target, step.params.startedAtBefore ?? new Date(0).toISOString());
          const ours = r.restarted || restartedByEarlierAttempt(r.startedAt);
          const detail = r.restarted
            ? `restarted ${label} (started ${r.startedAt})`
            : ours
              ? `${label} was restarted by an earlier attempt of this step (started ${r.startedAt})`
              : `${label} had already been restarted by someone else (started ${r.startedAt}): nothing done`;
          const waited = step.params.waitHealthySeconds ? `; ${await waitHealthy(target, label, step.params.waitHealthySeconds)}` : '';
          return { changed: ours, detail: detail + waited, affected: [target] };
        }
        case 'scale_up': {
          const ids = await deps.containers.ensureReplicas(step.params.template!, replicaKey(healKey, step), step.params.replicas ?? 1);
          return { changed: true, detail: `${ids.length} replica(s) of ${step.target.id} running`, affected: ids };
        }
        case 'apply_backpressure': {
          const { policy, base } = await deps.queues.applyBackpressure(target, step.params.maxLength ?? 1000);
          const merged = base ? ` (merged with its own policy ${base}, which is left as it was)` : '';
          return { changed: true, detail: `policy ${policy} limits ${target} to ${step.params.maxLength} messages${merged}`, affected: [policy] };
        }
        case 'pause_container':
          await deps.containers.pause(target);
          return { changed: true, detail: `paused ${step.target.name ?? target}`, affected: [target] };
        case 'noop':
          return { changed: false, detail: 'no action', affected: [] };
        default:
          throw new ActionFailedError(`action ${step.action} cannot be executed directly`);
      }
    },

    /** Undoes one step; works from the step alone, so a step that failed half-way is undone too. */
    async compensateStep({ step, healKey }: StepInput & { result: StepResult | null }): Promise<StepResult> {
      heartbeat();
      switch (step.rollback.action) {
        case 'remove_replicas': {
          const removed = await deps.containers.removeReplicas(replicaKey(healKey, step));
          return { changed: removed.length > 0, detail: `removed ${removed.length} replica(s) added by this heal`, affected: removed };
        }
        case 'release_backpressure':
          await deps.queues.releaseBackpressure(step.target.id);
          return { changed: true, detail: `released backpressure on ${step.target.id}`, affected: [step.target.id] };
        case 'unpause_container':
          await deps.containers.unpause(step.target.id);
          return { changed: true, detail: `unpaused ${step.target.name ?? step.target.id}`, affected: [step.target.id] };
        default:
          return { changed: false, detail: 'nothing to undo', affected: [] };
      }
    },
  };
}
