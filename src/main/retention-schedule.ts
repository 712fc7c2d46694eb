// The retention schedule: a Temporal schedule that starts retentionWorkflow every AUDIT_RETENTION_INTERVAL_MINUTES,
// visible, pausable and triggerable in the Web UI. Created (or brought in line with the configuration) by every
// worker at start; concurrent creations are harmless: the loser updates the same schedule. Each task queue (one
// deployment's workers) has a schedule of its own: a worker on another queue (a benchmark's, a second deployment's in
// the same namespace) must not point this deployment's retention at a queue nobody may poll tomorrow.
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../config';
import type { retentionWorkflow } from '../../workflows/retention';

/** `selfheal-retention` for the default task queue `selfheal`. */
export function retentionScheduleId(config: Config): string {
  return `${config.temporal.taskQueue}-retention`;
}

function options(config: Config, scheduleId: string): ScheduleOptions {
  return {
    scheduleId,
    spec: { intervals: [{ every: `${config.retention.intervalMinutes}m` }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'retentionWorkflow',
      taskQueue: config.temporal.taskQueue,
      workflowId: `${scheduleId}-run`,
      args: [{ retentionDays: config.retention.days, batch: 500, maxBatches: 200 }] as Parameters<typeof retentionWorkflow>,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
  };
}

export async function ensureRetentionSchedule(client: Client, config: Config, scheduleId = retentionScheduleId(config)): Promise<void> {
  const wanted = options(config, scheduleId);
  try {
    await client.schedule.create(wanted);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((current) => ({ ...current, spec: wanted.spec, action: wanted.action, policies: wanted.policies! }));
  }
}

/** Removes the schedule of `config`'s task queue, if there is one: for a queue whose workers are gone for good. */
export async function deleteRetentionSchedule(client: Client, config: Config): Promise<void> {
  await client.schedule
    .getHandle(retentionScheduleId(config))
    .delete()
    .catch((err: unknown) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
}
