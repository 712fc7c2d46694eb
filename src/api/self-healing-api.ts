// What the REST routes do, apart from HTTP: turn validated requests into workflow starts, queries and updates.
// The API never touches Docker or writes the audit; workers do.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  WithStartWorkflowOperation,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ConflictError, AppError, ValidationError } from '../errors';
import type { Config } from '../config';
import type { AnalyzeInput, AnalyzeResult, HealInput, HealPlan, HealStatus } from '../domain/heal';
import { validateSample } from '../domain/detection';
import { futureAtRefusal } from '../domain/bounds';
import { unscoped, type Scope } from '../auth/scope';
import { assertInScope, assertVisible } from './scope-guard';
import type { analyzeWorkflow } from '../../workflows/analyze';
import type { healWorkflow } from '../../workflows/heal';
import {
  analyzeWorkflowId,
  cancelHealSignal,
  decideApprovalUpdate,
  dryRunWorkflowId,
  healStatusQuery,
  healWorkflowId,
  planUpdate,
  searchAttributes,
} from '../../workflows/definitions';
import { shortLocal } from '../../workflows/activity-options';
import { ANALYZE_WORKFLOW_START, type AnalysisAnswer, type EagerAnalyze } from './eager-analyze';
import type { AnalyzeBody, HealBody } from './schemas/self-healing';
import { normaliseContext, toHealInput } from './heal-input';
import type { HealDryRunReply, HealRefusedReply, HealStartedReply } from './schemas/responses';
import type { Static } from '@sinclair/typebox';

export interface Actor {
  sub: string;
  requestId: string;
  role?: 'viewer' | 'operator' | 'admin';
  /** The token's scope (scoped tokens: the services it covers). */
  scope?: Scope;
}

/** The heal route's answer: its status code with the body that code's response schema describes. */
export type HealStarted =
  | { status: 200; body: Static<typeof HealDryRunReply> }
  | { status: 202; body: Static<typeof HealStartedReply> }
  | { status: 422; body: Static<typeof HealRefusedReply> };

export class SelfHealingApi {
  constructor(
    private readonly client: Client,
    private readonly config: Config,
    private readonly knownIssueTypes: ReadonlySet<string>,
    /** ANALYZE_SHAPE=eager: starts analyses and completes their workflow task in this process. */
    private readonly eagerAnalyze?: EagerAnalyze,
  ) {}

  /**
   * With an idempotency key, the analysis id is derived from it: a retry joins the running workflow, or (when it has
   * finished) starts one whose store call returns the recorded result, so a sample is never analysed twice.
   */
  async analyze(body: AnalyzeBody, actor: Actor, idempotencyKey?: string): Promise<AnalyzeResult> {
    for (const [metric, value] of Object.entries(body.metrics)) {
      const problem = validateSample(metric, value);
      if (problem) throw new ValidationError(`metrics.${metric}`, problem);
    }
    const context = normaliseContext(body.context);
    const service = body.service ?? context.services?.[0] ?? 'default';
    assertInScope(actor.scope, service, 'service');
    context.services?.forEach((s, i) => assertInScope(actor.scope, s, `context.services.${i}`));
    const at = body.at ? Date.parse(body.at) : null;
    if (at !== null) {
      const refused = futureAtRefusal(at, Date.now(), this.config.api.analyzeMaxFutureSeconds);
      if (refused) throw new ValidationError(refused.field, refused.reason);
    }
    const workflowId = analyzeWorkflowId(service, idempotencyKey ?? actor.requestId);
    const input = { service, metrics: body.metrics, at, context, actor: actor.sub, requestId: actor.requestId };
    // Outside the timeout: a 503 analysis_pending promises the analysis was started and will be recorded.
    const result = await this.startAnalysis(workflowId, input);
    return withTimeout(result().catch(throwRefusal), this.config.api.analyzeTimeoutMs, () => {
      throw new AppError(`analysis ${workflowId} is still running; it will complete and be recorded`, 503, 'analysis_pending');
    });
  }

  private startAnalysis(workflowId: string, input: AnalyzeInput): Promise<AnalysisAnswer> {
    switch (this.config.api.analyzeShape) {
      case 'standalone':
        return this.startAnalyzeActivity(workflowId, input);
      case 'eager':
        // Without EagerAnalyze (an app built for tests), the workers' analyze Workers run the workflow.
        return this.eagerAnalyze ? this.eagerAnalyze.start(workflowId, input) : this.startAnalyzeWorkflow(workflowId, input, this.config.temporal.analyzeTaskQueue);
      case 'workflow':
        return this.startAnalyzeWorkflow(workflowId, input, this.config.temporal.taskQueue);
    }
  }

  /** `workflow`: the analyze workflow run by the workers, answered by its result. */
  private async startAnalyzeWorkflow(workflowId: string, input: AnalyzeInput, taskQueue: string): Promise<AnalysisAnswer> {
    const handle = await this.client.workflow.start<typeof analyzeWorkflow>('analyzeWorkflow', {
      taskQueue,
      workflowId,
      ...ANALYZE_WORKFLOW_START,
      args: [input],
      typedSearchAttributes: [{ key: searchAttributes.service, value: input.service }],
    });
    return () => handle.result();
  }

  /** `standalone`: the analysis as a Standalone Activity on the analyze queue, with the analyze workflow's retries. */
  private async startAnalyzeActivity(activityId: string, input: AnalyzeInput): Promise<AnalysisAnswer> {
    const handle = await this.client.activity.start<AnalyzeResult>('analyzeMetrics', {
      id: activityId,
      taskQueue: this.config.temporal.analyzeTaskQueue,
      args: [{ ...input, workflowId: activityId }],
      idConflictPolicy: 'USE_EXISTING',
      idReusePolicy: 'ALLOW_DUPLICATE',
      startToCloseTimeout: shortLocal.startToCloseTimeout,
      retry: shortLocal.retry,
      typedSearchAttributes: [{ key: searchAttributes.service, value: input.service }],
    });
    return () => handle.result();
  }

  async heal(body: HealBody, actor: Actor): Promise<HealStarted> {
    const input = toHealInput(body, actor, { knownIssueTypes: this.knownIssueTypes, httpAllowlist: this.config.heal.verifyHttpAllowlist });
    assertInScope(actor.scope, input.service, 'service');
    input.context.services?.forEach((s, i) => assertInScope(actor.scope, s, `context.services.${i}`));
    const workflowId = input.dryRun ? dryRunWorkflowId(input.service, actor.requestId) : healWorkflowId(input.service);
    const options = {
      taskQueue: this.config.temporal.taskQueue,
      workflowId,
      args: [input] as [HealInput],
      workflowIdConflictPolicy: 'FAIL' as const,
      workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
      typedSearchAttributes: [
        { key: searchAttributes.service, value: input.service },
        { key: searchAttributes.issueType, value: input.diagnosis.issue_type },
        { key: searchAttributes.dryRun, value: input.dryRun },
      ],
    };
    try {
      if (input.dryRun) {
        const handle = await this.client.workflow.start<typeof healWorkflow>('healWorkflow', options);
        // A dry run waits on the audit store and Docker: while one is out of reach, the caller hears so in bounded time.
        const result = await withTimeout(handle.result(), this.config.api.dryRunTimeoutMs, () => {
          throw new AppError(`dry run ${workflowId} is still running (a dependency is slow or unavailable); its plan will be in the audit when it completes`, 503, 'dry_run_pending');
        });
        return { status: 200, body: { ...this.ids(workflowId, handle.firstExecutionRunId), dry_run: true, status: result.outcome, plan: result.plan } };
      }
      // Update-with-start: the plan comes back as soon as it is made, while the heal goes on.
      const start = new WithStartWorkflowOperation<typeof healWorkflow>('healWorkflow', options);
      const plan = await this.client.workflow.executeUpdateWithStart(planUpdate, { startWorkflowOperation: start });
      const ids = this.ids(workflowId, plan.attempt_id);
      if (!plan.allowed) {
        return {
          status: 422,
          body: { error: 'heal_refused', message: refusalMessage(plan), reasons: failedChecks(plan), ...ids, dry_run: false, status: 'refused', plan },
        };
      }
      return { status: 202, body: { ...ids, dry_run: false, status: plan.requires_approval ? 'awaiting_approval' : 'running', plan } };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        const running = await this.client.workflow.getHandle(workflowId).describe();
        throw new ConflictError(`a heal of ${input.service} is already running: ${workflowId}`, {
          running_workflow_id: workflowId,
          running_run_id: running.runId,
        });
      }
      throw err;
    }
  }

  private ids(workflowId: string, runId: string) {
    return { workflow_id: workflowId, run_id: runId, heal_id: workflowId, temporal_ui: this.uiLink(workflowId, runId) };
  }

  async status(workflowId: string, runId?: string, actor?: Actor): Promise<HealStatus & { temporal_ui: string; workflow_status: string }> {
    const handle = this.client.workflow.getHandle<typeof healWorkflow>(workflowId, runId);
    const description = await handle.describe();
    let status: HealStatus;
    try {
      status = await handle.query(healStatusQuery);
    } catch (err) {
      // A closed heal that failed still carries its final status in the failure details.
      status = await handle.result().catch((e: unknown) => finalStatusOf(e) ?? Promise.reject(err));
    }
    assertVisible(actor?.scope, status.service, `heal ${workflowId}`);
    return { ...status, workflow_status: description.status.name, temporal_ui: this.uiLink(workflowId, description.runId) };
  }

  /** A scoped token may decide or cancel only heals of its services; another's looks as if it did not exist. */
  private async assertHealInScope(workflowId: string, actor: Actor): Promise<void> {
    if (!actor.scope || unscoped(actor.scope)) return;
    const status = await this.client.workflow.getHandle<typeof healWorkflow>(workflowId).query(healStatusQuery);
    assertVisible(actor.scope, status.service, `heal ${workflowId}`);
  }

  async decide(workflowId: string, approve: boolean, actor: Actor, comment?: string, overrideReason?: string): Promise<HealStatus> {
    if (overrideReason !== undefined && actor.role !== 'admin') throw new ValidationError('override_reason', 'only an admin may override four eyes');
    if (overrideReason !== undefined && !approve) throw new ValidationError('override_reason', 'only an approval can be an override');
    await this.assertHealInScope(workflowId, actor).catch(async (err: unknown) => {
      throw await this.closedConflict(workflowId, err);
    });
    const handle = this.client.workflow.getHandle<typeof healWorkflow>(workflowId);
    const decision = { approve, actor: actor.sub, ...(actor.role ? { role: actor.role } : {}), ...(comment ? { comment } : {}), ...(overrideReason ? { overrideReason } : {}) };
    try {
      return await handle.executeUpdate(decideApprovalUpdate, { args: [decision] });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        // The workflow's validator refused the decision: four eyes is a 403, a heal not awaiting approval a 409.
        if (err.cause instanceof ApplicationFailure && err.cause.type === 'FourEyes') throw new AppError(err.cause.message, 403, 'four_eyes');
        throw new ConflictError(err.cause?.message ?? err.message);
      }
      throw await this.closedConflict(workflowId, err);
    }
  }

  async cancel(workflowId: string, actor: Actor, reason: string): Promise<void> {
    try {
      await this.assertHealInScope(workflowId, actor);
      await this.client.workflow.getHandle(workflowId).signal(cancelHealSignal, { actor: actor.sub, reason });
    } catch (err) {
      throw await this.closedConflict(workflowId, err);
    }
  }

  /** Temporal answers "not found" for a heal that exists but has completed: that is a 409, not a 404. */
  private async closedConflict(workflowId: string, err: unknown): Promise<unknown> {
    if (!(err instanceof WorkflowNotFoundError)) return err;
    const description = await this.client.workflow.getHandle(workflowId).describe().catch(() => null);
    if (!description) return err;
    return new ConflictError(`heal ${workflowId} has already completed (${description.status.name.toLowerCase()})`, { workflow_status: description.status.name });
  }

  private uiLink(workflowId: string, runId: string): string {
    return `${this.config.temporal.uiUrl}/namespaces/${encodeURIComponent(this.config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}/${runId}/history`;
  }
}

function failedChecks(plan: HealPlan): string[] {
  return plan.safety_checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`);
}

function refusalMessage(plan: HealPlan): string {
  return `heal refused by the safety envelope: ${failedChecks(plan).join('; ')}`;
}

/** An analysis the engine refused (a time not after the service's last sample) fails its workflow: a 400 here. */
function throwRefusal(err: unknown): never {
  for (let cause: unknown = err; cause instanceof Error; cause = cause.cause) {
    const detail = cause instanceof ApplicationFailure && cause.type === 'ValidationError' ? (cause.details?.[0] as { field?: unknown; reason?: unknown } | undefined) : undefined;
    if (typeof detail?.field === 'string' && typeof detail.reason === 'string') throw new ValidationError(detail.field, detail.reason);
  }
  throw err;
}

function finalStatusOf(err: unknown): HealStatus | undefined {
  if (!(err instanceof WorkflowFailedError)) return undefined;
  const details = (err.cause as { details?: unknown[] } | undefined)?.details;
  return details?.[0] as HealStatus | undefined;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => never): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      try {
        onTimeout();
      } catch (e) {
        reject(e);
      }
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
