// The analyze-only Worker: analyzeWorkflow and its activity on the analyze task queue. Every worker process runs one
// beside its main Worker. Under ANALYZE_SHAPE=eager the API process runs one too, on the same queue and connection as
// its client, so the server hands each analysis's first workflow task straight back to the API that started it
// (eager workflow start: no matching round trip, no poll). If that API dies mid-analysis, the workflow task times out
// and goes back to the same queue, where the workers pick it up: nothing depends on the API staying up.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createAnalysisActivities, type AnalysisDeps } from '../../activities/analysis';
import type { Config } from '../config';
import type { LocalAnalyses } from '../api/local-analyses';
import { sharedWorkflowSource } from './workflow-bundle';

export async function createAnalyzeWorker(
  connection: NativeConnection,
  config: Config,
  deps: AnalysisDeps,
  options: { inApi: boolean; identity?: string; local?: Pick<LocalAnalyses, 'completed' | 'failed'> },
): Promise<Worker> {
  const { analyzeMetrics } = createAnalysisActivities(deps);
  const local = options.local;
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.analyzeTaskQueue,
    ...(await sharedWorkflowSource(config.worker.workflowBundlePath)),
    activities: {
      // The request waiting in this process hears of each attempt: its commit answers it, a failure sends it to the
      // workflow's result.
      analyzeMetrics: local
        ? async (input: Parameters<typeof analyzeMetrics>[0]) => {
            const result = await analyzeMetrics(input).catch((err: unknown) => {
              local.failed(input.workflowId);
              throw err;
            });
            local.completed(input.workflowId, result);
            return result;
          }
        : analyzeMetrics,
    },
    // The API runs analyses only as local activities of the workflows it started; Standalone Activities
    // (ANALYZE_SHAPE=standalone) are the workers' to run.
    enableNonLocalActivities: !options.inApi,
    shutdownGraceTime: `${config.worker.shutdownGraceSeconds}s`,
    ...(options.identity ? { identity: options.identity } : {}),
  });
}

