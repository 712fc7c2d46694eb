import { activityInfo, heartbeat, sleep } from '@temporalio/activity';
import { ActionFailedError, TargetGoneError } from '../../src/errors';
import type { ActionExecutor, StepContext } from './executor';

/**
 * A restart found already done by a retried attempt, at or after the step was first scheduled, is this step's own
 * (the worker died after restarting); one found on the first attempt, or from before, was someone else's.
 */
function restartedByEarlierAttempt(startedAt: string): boolean {
  const { attempt, scheduledTimestampMs } = activityInfo();
  return attempt > 1 && Date.parse(startedAt) >= scheduledTimestampMs;
}

/** Waits until the container is running and healthy (or has no healthcheck); heartbeats while it waits. */
export async function waitHealthy({ deps }: StepContext, ref: string, label: string, seconds: number): Promise<string> {
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

export const restartContainerExecutor: ActionExecutor<'restart_container'> = {
  kind: 'restart_container',
  async execute(step, ctx) {
    const target = step.target.id;
    const label = step.target.name ?? target;
    const r = await ctx.deps.containers.restartOnce(target, step.params.startedAtBefore ?? new Date(0).toISOString());
    const ours = r.restarted || restartedByEarlierAttempt(r.startedAt);
    const detail = r.restarted
      ? `restarted ${label} (started ${r.startedAt})`
      : ours
        ? `${label} was restarted by an earlier attempt of this step (started ${r.startedAt})`
        : `${label} had already been restarted by someone else (started ${r.startedAt}): nothing done`;
    const waited = step.params.waitHealthySeconds ? `; ${await waitHealthy(ctx, target, label, step.params.waitHealthySeconds)}` : '';
    return { changed: ours, detail: detail + waited, affected: [target] };
  },
  // The plan gives a restart no inverse, so the workflow never asks; said plainly if anything else does.
  async compensate(step) {
    return { changed: false, detail: `a restart of ${step.target.name ?? step.target.id} cannot be undone`, affected: [] };
  },
};
