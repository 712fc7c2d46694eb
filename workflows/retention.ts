// retentionWorkflow: started by the `selfheal-retention` schedule (src/main/retention-schedule.ts). Deletes analysis
// records older than the retention period in batches until none is left, bounded per run so its history stays small;
// what is left waits for the next scheduled run.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { pruneAnalysisRecords } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
});

export interface RetentionInput {
  retentionDays: number;
  /** Snapshots per batch (one transaction each). */
  batch: number;
  /** Batches per run at most. */
  maxBatches: number;
}

export async function retentionWorkflow(input: RetentionInput): Promise<{ deleted: number; complete: boolean }> {
  let deleted = 0;
  for (let i = 0; i < input.maxBatches; i++) {
    const n = await pruneAnalysisRecords({ retentionDays: input.retentionDays, batch: input.batch });
    deleted += n;
    if (n < input.batch) return { deleted, complete: true };
  }
  return { deleted, complete: false };
}
