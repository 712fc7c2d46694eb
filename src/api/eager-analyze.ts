// ANALYZE_SHAPE=eager: the API starts analyzeWorkflow with eager execution, so the start's answer carries the
// workflow's first task, and completes that task itself with what the SDK's worker would send for workflows/analyze.ts:
// the local activity's marker, then the workflow's completion. The workflow is the same durable, searchable and
// retryable Temporal workflow as under the other shapes; only who runs its one task differs. Running it here skips
// the SDK worker's machinery (a sandboxed V8 context per workflow, activations to and from a worker thread, the core's
// activation pipeline), which was about half of the API's CPU per analysis (docs/benchmarks.md, ninth pass).
//
// test/unit/replay/ replays a history this module wrote (test/fixtures/histories/analyze.task-completed-by-api.json)
// through the SDK's own worker, and test/unit/api/eager-analyze.test.ts holds its commands against the histories the
// SDK recorded: if an SDK upgrade changed what analyzeWorkflow sends, they fail.
//
// If this process cannot finish the task (the analysis threw, or it died), the task fails or times out and goes back to
// the analyze task queue, where the workers' SDK workers run the workflow with the local activity's retries; the
// analysis store records each analysis once under its workflow id, so a rerun answers with the recorded result.
import { randomUUID } from 'node:crypto';
import { ServiceError, type Client } from '@temporalio/client';
import { defaultPayloadConverter, encodeWorkflowIdConflictPolicy, encodeWorkflowIdReusePolicy, type Payload } from '@temporalio/common';
import { encodeUnifiedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { msNumberToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { AnalyzeInput, AnalyzeResult } from '../domain/heal';
import { searchAttributes } from '../../workflows/definitions';
import type { RecordedAnalysis } from '../../activities/analysis';
import type { analyzeWorkflow } from '../../workflows/analyze';

const { CommandType, TaskQueueKind, WorkflowTaskFailedCause } = temporal.api.enums.v1;

/** The analyze workflow's task timeout (Temporal's default): after it, a task this process holds goes to the workers. */
const ANALYZE_TASK_TIMEOUT_MS = 10_000;

/**
 * How an analysis's workflow is started, whoever runs it: a retried request joins the running workflow, and one whose
 * workflow has finished starts another that answers from the record.
 */
export const ANALYZE_WORKFLOW_START = {
  workflowIdConflictPolicy: 'USE_EXISTING',
  workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  workflowTaskTimeout: ANALYZE_TASK_TIMEOUT_MS,
} as const;

/** The marker the TypeScript SDK's core records for a completed local activity (its name and its data's fields). */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';
/**
 * Core's internal flags on the first task of a new workflow (sdk-core `CoreInternalFlags`, as @temporalio/worker 1.24
 * records them). They tell a replaying worker which of core's behaviours produced the history.
 */
const CORE_USED_FLAGS = [1, 2, 3];

export interface EagerAnalyzeOptions {
  namespace: string;
  taskQueue: string;
  identity: string;
}

export type AnalysisAnswer = () => Promise<AnalyzeResult>;

export class EagerAnalyze {
  /** Answers to the server still on their way: a shutdown waits for them, so no task is left to time out. */
  private readonly answering = new Set<Promise<void>>();

  constructor(
    private readonly client: Client,
    private readonly options: EagerAnalyzeOptions,
    private readonly analyze: RecordedAnalysis,
    private readonly onTaskError: (err: unknown, workflowId: string) => void,
  ) {}

  /**
   * Starts the analysis's workflow (joining a running one under the same id). The returned function answers with the
   * result: this process's own commit when the server handed it the task, else the workflow's result.
   */
  async start(workflowId: string, input: AnalyzeInput): Promise<AnalysisAnswer> {
    const { namespace, taskQueue, identity } = this.options;
    const started = await this.client.workflowService
      .startWorkflowExecution({
        namespace,
        identity,
        requestId: randomUUID(),
        workflowId,
        workflowType: { name: 'analyzeWorkflow' },
        taskQueue: { kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL, name: taskQueue },
        input: { payloads: [defaultPayloadConverter.toPayload(input)] },
        workflowTaskTimeout: msNumberToTs(ANALYZE_WORKFLOW_START.workflowTaskTimeout),
        workflowIdReusePolicy: encodeWorkflowIdReusePolicy(ANALYZE_WORKFLOW_START.workflowIdReusePolicy),
        workflowIdConflictPolicy: encodeWorkflowIdConflictPolicy(ANALYZE_WORKFLOW_START.workflowIdConflictPolicy),
        searchAttributes: { indexedFields: encodeUnifiedSearchAttributes(undefined, [{ key: searchAttributes.service, value: input.service }]) },
        requestEagerExecution: true,
      })
      .catch((err: unknown) => {
        // As the SDK's client reports it: the error handler answers 503 while Temporal is out of reach.
        throw new ServiceError(`Failed to start the analysis workflow ${workflowId}`, { cause: err instanceof Error ? err : new Error(String(err)) });
      });
    const runId = started.runId ?? '';
    const taskToken = started.eagerWorkflowTask?.taskToken;
    const workflowResult = () => this.client.workflow.getHandle<typeof analyzeWorkflow>(workflowId, runId).result();
    if (!taskToken) return workflowResult;
    return async () => {
      const scheduledAt = Date.now();
      let result: AnalyzeResult;
      try {
        result = await this.analyze({ ...input, workflowId, runId });
      } catch (err) {
        // The workers run the workflow now, with the local activity's retries (or its refusal): its result answers.
        this.answer(this.failTask(taskToken, err), workflowId);
        return workflowResult();
      }
      // The commit is the answer; the completion travels in the background (if it is lost, the task times out and a
      // worker's rerun of the workflow finds the recorded analysis).
      this.answer(this.completeTask(taskToken, result, scheduledAt, Date.now()), workflowId);
      return result;
    };
  }

  /** Resolves once every task answer sent so far has been delivered (or has failed and been reported). */
  async drain(): Promise<void> {
    await Promise.all(this.answering);
  }

  private answer(sent: Promise<void>, workflowId: string): void {
    const tracked = sent.catch((err: unknown) => this.onTaskError(err, workflowId)).finally(() => this.answering.delete(tracked));
    this.answering.add(tracked);
  }

  private async completeTask(taskToken: Uint8Array, result: AnalyzeResult, scheduledAt: number, completedAt: number): Promise<void> {
    const { namespace, identity } = this.options;
    const resultPayload = defaultPayloadConverter.toPayload(result);
    await this.client.workflowService.respondWorkflowTaskCompleted({
      namespace,
      identity,
      taskToken,
      commands: [
        {
          commandType: CommandType.COMMAND_TYPE_RECORD_MARKER,
          recordMarkerCommandAttributes: {
            markerName: LOCAL_ACTIVITY_MARKER,
            details: { data: payloads(localActivityMarkerData(scheduledAt, completedAt)), result: payloads(resultPayload) },
          },
        },
        {
          commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
          completeWorkflowExecutionCommandAttributes: { result: payloads(resultPayload) },
        },
      ],
      sdkMetadata: { coreUsedFlags: CORE_USED_FLAGS },
    });
  }

  private async failTask(taskToken: Uint8Array, err: unknown): Promise<void> {
    const { namespace, identity } = this.options;
    await this.client.workflowService.respondWorkflowTaskFailed({
      namespace,
      identity,
      taskToken,
      cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
      failure: { message: `the API's analysis attempt failed; the workers run it: ${err instanceof Error ? err.message : String(err)}`, source: 'selfheal-api' },
    });
  }
}

function payloads(payload: Payload) {
  return { payloads: [payload] };
}

/** The local activity marker's data, as core writes it for the workflow's first (and only) local activity. */
function localActivityMarkerData(scheduledAt: number, completedAt: number): Payload {
  // Not msNumberToTs: its seconds are a Long, which JSON writes as an object; core reads a number.
  const time = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 });
  return defaultPayloadConverter.toPayload({
    seq: 1,
    attempt: 1,
    activity_id: '1',
    activity_type: 'analyzeMetrics',
    complete_time: time(completedAt),
    backoff: null,
    original_schedule_time: time(scheduledAt),
  });
}
