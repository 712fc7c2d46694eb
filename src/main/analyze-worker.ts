// The analyze-only Worker: analyzeWorkflow and its activity on the analyze task queue. Every worker process runs one
// beside its main Worker. Under ANALYZE_SHAPE=eager the API completes each analysis's first workflow task itself
// (src/api/eager-analyze.ts) and these Workers see only the tasks it could not finish: an analysis that failed there
// (retried here by the local activity's policy) or one whose API died mid-analysis (its task timed out). Under
// ANALYZE_SHAPE=standalone they also run the analyses started as Standalone Activities.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createAnalysisActivities, type AnalysisDeps } from '../../activities/analysis';
import type { Config } from '../config';
import { sharedWorkflowSource } from './workflow-bundle';

export async function createAnalyzeWorker(connection: NativeConnection, config: Config, deps: AnalysisDeps, identity: string): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.analyzeTaskQueue,
    ...(await sharedWorkflowSource(config.worker.workflowBundlePath)),
    activities: createAnalysisActivities(deps),
    shutdownGraceTime: `${config.worker.shutdownGraceSeconds}s`,
    identity,
  });
}
