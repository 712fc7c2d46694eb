// Retention: one bounded batch of old analysis records deleted per call, so the workflow can loop, and each call is
// short and idempotent (deleting what is already gone deletes nothing).
import type { ActivityDeps } from './deps';

export function createRetentionActivities(deps: ActivityDeps) {
  return {
    async pruneAnalysisRecords(input: { retentionDays: number; batch: number }): Promise<number> {
      return deps.retention.pruneSnapshots(deps.now() - input.retentionDays * 86_400_000, input.batch);
    },
  };
}
