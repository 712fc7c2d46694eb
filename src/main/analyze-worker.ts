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

/**
 * An eager start needs a free workflow-task slot in this process at the moment of the start; without one the
 * server queues the task for a poll (a second or more at concurrency 32, measured in docs/benchmarks.md). The SDK's
 * default is 40 slots of which up to 10 are held by pollers, so 32 concurrent analyses (each holding its slot
 * through its local activity and completion) overflowed. An analyze workflow completes in its first task, so the
 * API needs few pollers (they only pick up tasks that timed out elsewhere; the workers poll the same queue) and
 * many slots: how many analyses this process runs at once is bounded by its HTTP concurrency, not by these slots.
 */
export const IN_API_SLOTS = {
  maxConcurrentWorkflowTaskExecutions: 256,
  maxCachedWorkflows: 256,
  workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 2 },
} as const;

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
    ...(options.inApi ? IN_API_SLOTS : {}),
    shutdownGraceTime: `${config.worker.shutdownGraceSeconds}s`,
    ...(options.identity ? { identity: options.identity } : {}),
  });
}

