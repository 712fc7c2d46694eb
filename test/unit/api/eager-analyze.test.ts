// The eager analyze shape's own task handling, against an in-memory Temporal client: what it sends the server for
// each outcome. That these commands are the ones the SDK's worker would send is shown by replaying a recorded history
// (test/fixtures/histories/analyze.task-completed-by-api.json, test/unit/replay/).
import { describe, expect, it } from 'vitest';
import { ServiceError, type Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { EagerAnalyze } from '../../../src/api/eager-analyze';
import type { RecordedAnalysis } from '../../../activities/analysis';
import type { AnalyzeInput, AnalyzeResult } from '../../../src/domain/heal';
import { loadFixtures } from '../../replay/fixtures';

const { CommandType, WorkflowIdConflictPolicy } = temporal.api.enums.v1;
type StartRequest = temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest;
type CompletedRequest = temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest;
type FailedRequest = temporal.api.workflowservice.v1.IRespondWorkflowTaskFailedRequest;

const input: AnalyzeInput = { service: 'checkout', metrics: { error_rate: 0.2 }, at: null, context: {}, actor: 'ops', requestId: 'req-1' };
const result: AnalyzeResult = {
  workflow_id: 'analyze-checkout-req-1',
  service: 'checkout',
  at: '2026-11-30T10:00:00.000Z',
  anomalies: [],
  diagnosis: { issue_type: 'none', root_cause: 'no anomaly detected', confidence: 0, impacted_components: [], recommended_strategies: [], hypotheses: [] },
  sample_counts: { error_rate: 1 },
  late_metrics: [],
};
const taskToken = new Uint8Array([7, 7, 7]);

/** A Temporal client that records what it is sent; `eager` says whether the server hands the first task back. */
function fakeClient(options: { eager: boolean; startError?: Error; workflowResult?: AnalyzeResult }) {
  const sent = { starts: [] as StartRequest[], completed: [] as CompletedRequest[], failed: [] as FailedRequest[], resultsAsked: [] as string[] };
  const client = {
    workflowService: {
      async startWorkflowExecution(req: StartRequest) {
        sent.starts.push(req);
        if (options.startError) throw options.startError;
        return { runId: 'run-1', started: true, ...(options.eager ? { eagerWorkflowTask: { taskToken } } : {}) };
      },
      async respondWorkflowTaskCompleted(req: CompletedRequest) {
        sent.completed.push(req);
        return {};
      },
      async respondWorkflowTaskFailed(req: FailedRequest) {
        sent.failed.push(req);
        return {};
      },
    },
    workflow: {
      getHandle: (workflowId: string, runId: string) => ({
        result: async () => {
          sent.resultsAsked.push(`${workflowId}/${runId}`);
          return options.workflowResult;
        },
      }),
    },
  };
  return { client: client as unknown as Client, sent };
}

function eagerAnalyze(client: Client, analyze: RecordedAnalysis, taskErrors: unknown[] = []) {
  return new EagerAnalyze(client, { namespace: 'default', taskQueue: 'selfheal-analyze', identity: '42@api' }, analyze, (err) => taskErrors.push(err));
}

const decode = (payload: Payload | null | undefined) => defaultPayloadConverter.fromPayload(payload!);

describe('an analysis the server hands back to the API that started it', () => {
  it('starts the analyze workflow eagerly on the analyze queue, searchable by service, joining a running one', async () => {
    const { client, sent } = fakeClient({ eager: true });
    await (await eagerAnalyze(client, async () => result).start('analyze-checkout-req-1', input))();
    const [start] = sent.starts;
    expect(start).toMatchObject({
      workflowId: 'analyze-checkout-req-1',
      workflowType: { name: 'analyzeWorkflow' },
      taskQueue: { name: 'selfheal-analyze' },
      requestEagerExecution: true,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
      identity: '42@api',
    });
    expect(decode(start!.input!.payloads![0])).toEqual(input);
    expect(decode(start!.searchAttributes!.indexedFields!.SelfhealService)).toBe('checkout');
  });

  it('runs the analysis under the workflow and run ids, answers with its commit and completes the task as the SDK would', async () => {
    const { client, sent } = fakeClient({ eager: true });
    const runs: Parameters<RecordedAnalysis>[0][] = [];
    const runner = eagerAnalyze(client, async (run) => (runs.push(run), result));
    const answer = await (await runner.start('analyze-checkout-req-1', input))();
    await runner.drain();

    expect(answer).toEqual(result);
    expect(runs).toEqual([{ ...input, workflowId: 'analyze-checkout-req-1', runId: 'run-1' }]);
    expect(sent.resultsAsked).toEqual([]);
    const [completed] = sent.completed;
    expect(completed!.taskToken).toEqual(taskToken);
    expect(completed!.commands!.map((c) => c.commandType)).toEqual([CommandType.COMMAND_TYPE_RECORD_MARKER, CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION]);
    const marker = completed!.commands![0]!.recordMarkerCommandAttributes!;
    expect(marker.markerName).toBe('core_local_activity');
    expect(decode(marker.details!.data!.payloads![0])).toMatchObject({ seq: 1, attempt: 1, activity_id: '1', activity_type: 'analyzeMetrics', backoff: null });
    expect(decode(marker.details!.result!.payloads![0])).toEqual(result);
    expect(decode(completed!.commands![1]!.completeWorkflowExecutionCommandAttributes!.result!.payloads![0])).toEqual(result);
  });

  it('fails the task when the analysis throws, and answers with the workflow\'s result (the workers rerun it)', async () => {
    const fromWorkers = { ...result, sample_counts: { error_rate: 2 } };
    const { client, sent } = fakeClient({ eager: true, workflowResult: fromWorkers });
    const runner = eagerAnalyze(client, async () => {
      throw new Error('Neo4j is unavailable');
    });
    expect(await (await runner.start('analyze-checkout-req-1', input))()).toEqual(fromWorkers);
    await runner.drain();
    expect(sent.completed).toEqual([]);
    expect(sent.failed).toHaveLength(1);
    expect(sent.failed[0]!.taskToken).toEqual(taskToken);
    expect(sent.failed[0]!.failure!.message).toContain('Neo4j is unavailable');
    expect(sent.resultsAsked).toEqual(['analyze-checkout-req-1/run-1']);
  });

  it('reports a task answer the server did not take, and still answers the request with the commit', async () => {
    const { client } = fakeClient({ eager: true });
    (client.workflowService as unknown as { respondWorkflowTaskCompleted: () => Promise<never> }).respondWorkflowTaskCompleted = () => Promise.reject(new Error('task timed out'));
    const taskErrors: unknown[] = [];
    const runner = eagerAnalyze(client, async () => result, taskErrors);
    expect(await (await runner.start('analyze-checkout-req-1', input))()).toEqual(result);
    await runner.drain();
    expect(taskErrors).toEqual([new Error('task timed out')]);
  });
});

describe('an analysis the server does not hand back', () => {
  it('is not run here: a workflow already running under the id (a retried request) answers with its result', async () => {
    const { client, sent } = fakeClient({ eager: false, workflowResult: result });
    let ran = false;
    const answer = await (
      await eagerAnalyze(client, async () => {
        ran = true;
        return result;
      }).start('analyze-checkout-req-1', input)
    )();
    expect(answer).toEqual(result);
    expect(ran).toBe(false);
    expect(sent.resultsAsked).toEqual(['analyze-checkout-req-1/run-1']);
  });

  it('a start Temporal refuses is reported as the SDK client reports it (the error handler answers 503 when it is unavailable)', async () => {
    const unavailable = Object.assign(new Error('14 UNAVAILABLE: connection refused'), { code: 14, details: 'connection refused', metadata: {} });
    const { client } = fakeClient({ eager: true, startError: unavailable });
    const started = eagerAnalyze(client, async () => result).start('analyze-checkout-req-1', input);
    await expect(started).rejects.toBeInstanceOf(ServiceError);
    await expect(started).rejects.toMatchObject({ cause: unavailable });
  });
});

describe('what the API sends, against the histories the SDK recorded', () => {
  const analyzeHistories = loadFixtures().filter((f) => f.branch === 'analyze');
  const completions = (f: (typeof analyzeHistories)[number]) => f.parsed.events!.find((e) => e.workflowTaskCompletedEventAttributes)!.workflowTaskCompletedEventAttributes!;
  const bySdk = analyzeHistories.filter((f) => completions(f).sdkMetadata?.sdkName === 'temporal-typescript');

  it('has both: analyze histories recorded from the SDK\'s worker and one from this path, all replayed by test/unit/replay', () => {
    expect(bySdk.length).toBeGreaterThan(0);
    expect(analyzeHistories.filter((f) => !completions(f).sdkMetadata?.sdkName).map((f) => f.file)).toEqual(['analyze.task-completed-by-api.json']);
  });

  it('sends the marker the SDK records (name, details, data fields) and the core flags it records', async () => {
    const { client, sent } = fakeClient({ eager: true });
    const runner = eagerAnalyze(client, async () => result);
    await (await runner.start('analyze-checkout-req-1', input))();
    await runner.drain();
    const ours = sent.completed[0]!;
    const ourMarker = ours.commands![0]!.recordMarkerCommandAttributes!;
    for (const recorded of bySdk) {
      const marker = recorded.parsed.events!.find((e) => e.markerRecordedEventAttributes)!.markerRecordedEventAttributes!;
      expect(ourMarker.markerName, recorded.file).toBe(marker.markerName);
      expect(Object.keys(ourMarker.details!).sort(), recorded.file).toEqual(Object.keys(marker.details!).sort());
      const fields = (payload: Payload | null | undefined) => Object.keys(decode(payload) as object).sort();
      expect(fields(ourMarker.details!.data!.payloads![0]), recorded.file).toEqual(fields(marker.details!.data!.payloads![0]));
      expect([...ours.sdkMetadata!.coreUsedFlags!].sort(), recorded.file).toEqual([...completions(recorded).sdkMetadata!.coreUsedFlags!].sort());
    }
  });
});
