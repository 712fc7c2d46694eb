// healWorkflow: plan -> (approval) -> (pre-check) -> (budget) -> act step by step -> verify -> compensate on failure
// -> record, each phase a named function below over one HealRun. The phases issue the commands in the order the
// replay fixtures (test/fixtures/histories) recorded: a change to that order goes behind patched() (docs/architecture.md).
// Workflows decide; activities act. Every decision that may change between releases (selection, planning) runs in
// an activity, so it is recorded in history and replays unchanged.
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  ParentClosePolicy,
  patched,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { HostsObserved } from '../src/domain/hosts';
import type { ApprovalDecision, HealInput, HealPlan, HealStatus, PlanStep, StepProgress, StepResult, VerifierSpec } from '../src/domain/heal';
import { fourEyesRefusal } from './approval';
import * as presets from './activity-options';
import { cancelHealSignal, decideApprovalUpdate, healStatusQuery, planUpdate, searchAttributes } from './definitions';
import { Journal } from './journal';
import { observeHosts, observeHostsFromHere, observeOtherHosts, onHost } from './docker-hosts';
import { backpressureReleaseWorkflowId, releaseBackpressureWorkflow } from './backpressure-release';

const { planHeal, planHealHere, reserveHealBudget, releaseHealBudget } = proxyLocalActivities<Activities>(presets.shortLocal);

interface Applied {
  step: PlanStep;
  result: StepResult | null;
}

/** The state of one heal that every phase shares; the update and signal handlers write `decision` and `cancelled`. */
interface HealRun {
  input: HealInput;
  status: HealStatus;
  journal: Journal;
  decision?: ApprovalDecision;
  cancelled?: { actor: string; reason: string };
  /** This heal holds a budget reservation (given back in finish() when it changed nothing). */
  reserved: boolean;
}

type Outcome = Parameters<Journal['finish']>[0];

export async function healWorkflow(input: HealInput): Promise<HealStatus> {
  const run = startRun(input);
  const plan = await planPhase(run);
  const ended =
    (await gatePhase(run, plan)) ??
    (await approvalPhase(run, plan)) ??
    (await precheckPhase(run, plan)) ??
    (await budgetPhase(run, plan));
  return ended ?? (await actPhase(run, plan));
}

/** The run's state, and the query, update and signal handlers that read and write it. */
function startRun(input: HealInput): HealRun {
  const info = workflowInfo();
  const status: HealStatus = {
    workflow_id: info.workflowId,
    run_id: info.runId,
    attempt_id: info.firstExecutionRunId,
    service: input.service,
    dry_run: input.dryRun,
    phase: 'planning',
    outcome: null,
    plan: null,
    steps: [],
    verified: false,
    applied: false,
    reasons: [],
  };
  const run: HealRun = { input, status, journal: new Journal(input, status), reserved: false };

  setHandler(healStatusQuery, () => status);
  setHandler(planUpdate, async () => {
    await condition(() => status.plan !== null);
    return status.plan!;
  });
  setHandler(
    decideApprovalUpdate,
    (d) => {
      run.decision = d;
      return status;
    },
    {
      validator: (d: ApprovalDecision) => {
        if (status.phase !== 'awaiting_approval' || run.decision) throw new Error(`heal is not awaiting approval (phase ${status.phase})`);
        const refusal = fourEyesRefusal(input.actor, d, status.plan?.circuit_breaker_open === true);
        if (refusal) throw ApplicationFailure.nonRetryable(refusal, 'FourEyes');
      },
    },
  );
  setHandler(cancelHealSignal, (c) => {
    run.cancelled ??= c;
  });
  return run;
}

/**
 * Selection and planning run in an activity: the plan is in the history and replays unchanged. Every Docker host's
 * worker is asked first where the containers are, so each container step records its host (heals started before
 * that change plan on one engine, as they did).
 */
async function planPhase(run: HealRun): Promise<HealPlan> {
  const { input, status, journal } = run;
  const plan = await makePlan(run);
  status.plan = plan;
  // A dry run tags its strategy together with its outcome (gatePhase).
  const oneUpsert = input.dryRun && patched(PLAN_HERE);
  if (plan.strategy && !oneUpsert) upsertSearchAttributes([{ key: searchAttributes.strategy, value: plan.strategy }]);
  // A dry run writes 'planned' together with 'completed' (gatePhase).
  if (input.dryRun && (oneUpsert || patched(DRY_RUN_ONE_RECORD))) return plan;
  await journal.step('planned', plannedStatus(plan), planSummary(input, plan.strategy, plan.steps.length), { plan });
  return plan;
}

/** Plans in one local activity when the worker's own host is the only one to observe; other hosts are asked first. */
async function makePlan({ input, status }: HealRun): Promise<HealPlan> {
  const asked = { heal: input, attemptId: status.attempt_id, workflowId: status.workflow_id, runId: status.run_id };
  if (patched(PLAN_HERE)) {
    const here = await planHealHere(asked);
    if (here.plan) return here.plan;
    return planHeal({ ...asked, hosts: await observeOtherHosts(here.hosts, here.own, input.context.containers ?? [], input.service) });
  }
  const hosts = await observePlannedHosts(input);
  return planHeal({ ...asked, ...(hosts ? { hosts } : {}) });
}

/**
 * Histories from before per-host routing observe no host (planning asks its own engine); those from before
 * OWN_HOST_LOCAL ask every host, the worker's own included, by an activity on that host's queue.
 */
async function observePlannedHosts(input: HealInput): Promise<HostsObserved | undefined> {
  const containers = input.context.containers ?? [];
  if (patched(OWN_HOST_LOCAL)) return observeHostsFromHere(containers, input.service);
  return patched('docker-host-routing') ? observeHosts(containers, input.service) : undefined;
}

/** The worker running the heal's workflow task observes its own host in a local activity. */
const OWN_HOST_LOCAL = 'own-host-local-observation';

/**
 * Observing the own host and planning are one local activity (planHealHere), and a dry run upserts its strategy and
 * outcome in one command (it also writes 'planned' with 'completed', as under DRY_RUN_ONE_RECORD).
 */
const PLAN_HERE = 'plan-in-one-local-activity';

/** Dry runs record 'planned' and 'completed' in one write with one publish; histories before it wrote them apart. */
const DRY_RUN_ONE_RECORD = 'dry-run-one-record';

function plannedStatus(plan: HealPlan): StepProgress['status'] {
  return plan.allowed ? 'ok' : 'failed';
}

/** A dry run ends with its plan; a plan the safety envelope refused ends here. */
async function gatePhase(run: HealRun, plan: HealPlan): Promise<HealStatus | undefined> {
  const failedChecks = plan.safety_checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`);
  if (run.input.dryRun) {
    const detail = 'dry run: plan only, nothing was changed';
    const oneUpsert = patched(PLAN_HERE);
    if (!oneUpsert && !patched(DRY_RUN_ONE_RECORD)) return finish(run, 'planned', detail, failedChecks);
    const strategy = oneUpsert && plan.strategy ? [{ key: searchAttributes.strategy, value: plan.strategy }] : [];
    upsertSearchAttributes([...strategy, { key: searchAttributes.outcome, value: 'planned' }]);
    const planned = { status: plannedStatus(plan), detail: planSummary(run.input, plan.strategy, plan.steps.length), data: { plan } };
    return run.journal.finishDryRun(planned, detail, failedChecks);
  }
  if (!plan.allowed) {
    await run.journal.step('refused', 'failed', failedChecks.join('; '), { checks: plan.safety_checks });
    return finish(run, 'refused', 'refused by the safety envelope', failedChecks);
  }
  return undefined;
}

/** Waits for a person's decision when the plan requires one; ends the heal unless it is approved. */
async function approvalPhase(run: HealRun, plan: HealPlan): Promise<HealStatus | undefined> {
  if (!plan.requires_approval) return undefined;
  const { input, status, journal } = run;
  status.phase = 'awaiting_approval';
  await journal.step('approval_requested', 'info', plan.approval_reasons.join('; '));
  const decided = await condition(() => run.decision !== undefined || run.cancelled !== undefined, plan.approval_timeout_seconds * 1000);
  status.phase = 'planning';
  if (run.cancelled) return finish(run, 'cancelled', cancelledWhy(run.cancelled));
  const decision = run.decision;
  if (!decided || !decision) return finish(run, 'approval_timeout', `no decision within ${plan.approval_timeout_seconds}s`);
  if (!decision.approve) {
    await journal.step('rejected', 'info', `rejected by ${decision.actor}${decision.comment ? `: ${decision.comment}` : ''}`);
    return finish(run, 'rejected', `rejected by ${decision.actor}`);
  }
  const override = decision.actor === input.actor ? decision.overrideReason : undefined;
  await journal.step(
    'approved',
    'ok',
    `approved by ${decision.actor}${decision.comment ? `: ${decision.comment}` : ''}${override ? ` (four-eyes override by admin ${decision.actor}, who requested it: ${override})` : ''}`,
    { approver: decision.actor, requester: input.actor, ...(override ? { four_eyes_override: true, override_reason: override } : {}) },
  );
  return undefined;
}

interface VerifyInput {
  service: string;
  verifiers: VerifierSpec[];
  steps: PlanStep[];
  healKey: string;
}

function verifyInputOf(run: HealRun, plan: HealPlan): VerifyInput {
  return { service: run.input.service, verifiers: plan.verifiers, steps: plan.steps, healKey: run.status.attempt_id };
}

/** Verification observes the containers where the steps act: the plan's host (one per plan: the docker_host check). */
function verifyHealth(plan: HealPlan, input: VerifyInput & { sinceMs: number | null }) {
  return onHost(plan.steps.find((s) => s.target.host !== undefined)?.target.host).verifyHealth(input);
}

/** With skipIfHealthy, a target already healthy before any action ends the heal without acting. */
async function precheckPhase(run: HealRun, plan: HealPlan): Promise<HealStatus | undefined> {
  if (!(run.input.skipIfHealthy && plan.verifiers.length > 0)) return undefined;
  const pre = await verifyHealth(plan, { ...verifyInputOf(run, plan), sinceMs: null });
  await run.journal.step('precheck', pre.healthy ? 'ok' : 'info', pre.evidence.join('; '));
  if (pre.healthy) return finish(run, 'recovered_before_action', 'healthy before any action: nothing done, not counted as a success');
  return undefined;
}

/** The budget is reserved atomically right before the first action: concurrent heals cannot overrun it. */
async function budgetPhase(run: HealRun, plan: HealPlan): Promise<HealStatus | undefined> {
  if (!(plan.steps.length > 0 && patched('budget-reservation'))) return undefined;
  const budget = await reserveHealBudget({ attemptId: run.status.attempt_id, service: run.input.service });
  if (!budget.granted) {
    const reason = `budget: ${budget.reason}`;
    await run.journal.step('refused', 'failed', reason);
    return finish(run, 'refused', 'refused by the safety envelope', [reason]);
  }
  run.reserved = true;
  return undefined;
}

/** Executes the steps in order, verifies with timers, and compensates what was applied when anything fails. */
async function actPhase(run: HealRun, plan: HealPlan): Promise<HealStatus> {
  const { input, status, journal } = run;
  const applied: Applied[] = [];
  try {
    status.phase = 'executing';
    for (const step of plan.steps) {
      if (run.cancelled) throw ApplicationFailure.nonRetryable(cancelledWhy(run.cancelled), 'HealCancelled');
      const target = `${step.target.kind}:${step.target.name ?? step.target.id}`;
      await journal.step('action_started', 'info', step.expected_effect, { index: step.index }, { action: step.action, target });
      // Registered before the call: an action that took partial effect is still undone.
      const entry: Applied = { step, result: null };
      applied.push(entry);
      entry.result = await onHost(step.target.host).executeStep({ step, healKey: status.attempt_id, service: input.service });
      // "Applied" means this heal changed something: a restart someone else already did is not ours.
      status.applied ||= entry.result.changed;
      await journal.step('action_completed', 'ok', entry.result.detail, { index: step.index, affected: entry.result.affected, ...hostOf(entry.result) }, { action: step.action, target });
    }
    status.phase = 'verifying';
    const actedAt = status.steps[status.steps.length - 1]?.at ?? 0;
    if (await verifyPhase(run, plan, actedAt)) {
      status.verified = true;
      await journal.step('verified', 'ok', 'verification held');
      if (!status.applied) return finish(run, 'recovered_before_action', 'healthy again, but no action of this heal changed anything: not counted as its success');
      await scheduleBackpressureRelease(run, plan, applied);
      return finish(run, 'verified', 'remediation verified');
    }
    if (run.cancelled) return await rollBack(run, applied, cancelledWhy(run.cancelled), 'cancelled');
    await journal.step('verification_failed', 'failed', 'verification did not hold');
    return await rollBack(run, applied, 'verification failed');
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => compensate(run, applied));
      await CancellationScope.nonCancellable(() => finish(run, 'cancelled', 'cancelled while running; rolled back'));
      throw err;
    }
    if (err instanceof ApplicationFailure && err.type === 'HealFailed') throw err;
    if (run.cancelled && err instanceof ApplicationFailure && err.type === 'HealCancelled') return await rollBack(run, applied, cancelledWhy(run.cancelled), 'cancelled');
    const message = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    await journal.step('action_failed', 'failed', message);
    return await rollBack(run, applied, `action failed: ${message}`);
  }
}

/** Polls the verifiers with workflow timers until enough consecutive checks pass, the checks run out, or a cancel. */
async function verifyPhase(run: HealRun, plan: HealPlan, sinceMs: number): Promise<boolean> {
  const { interval_seconds, max_checks, consecutive_required } = plan.verification;
  const v = verifyInputOf(run, plan);
  let consecutive = 0;
  for (let check = 1; check <= max_checks && !run.cancelled; check++) {
    const verdict = await verifyHealth(plan, { ...v, sinceMs });
    consecutive = verdict.healthy ? consecutive + 1 : 0;
    await run.journal.step('verification', verdict.healthy ? 'ok' : 'info', `check ${check}/${max_checks}: ${verdict.evidence.join('; ')}`, { consecutive });
    if (consecutive >= consecutive_required) return true;
    if (check < max_checks) await sleep(interval_seconds * 1000);
  }
  return false;
}

/** A verified backpressure policy is the fix for a while, never for ever: a child workflow lifts it later. */
async function scheduleBackpressureRelease(run: HealRun, plan: HealPlan, done: Applied[]): Promise<void> {
  const { input, status } = run;
  const steps = done.filter((a) => a.step.action === 'apply_backpressure' && a.result?.changed).map((a) => a.step);
  if (steps.length === 0 || !patched('backpressure-release')) return;
  const releaseAfterSeconds = plan.backpressure_release_seconds ?? 0;
  const workflowId = backpressureReleaseWorkflowId(input.service, status.attempt_id);
  await startChild(releaseBackpressureWorkflow, {
    workflowId,
    args: [{ service: input.service, healKey: status.attempt_id, steps, releaseAfterSeconds }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    // Without a worker for a day past its time (a test's own task queue, say), it ends instead of staying open.
    workflowExecutionTimeout: (releaseAfterSeconds + 24 * 3600) * 1000,
  });
  await run.journal.step('backpressure_release_scheduled', 'info', `backpressure on ${steps.map((s) => s.target.id).join(', ')} is lifted in ${releaseAfterSeconds}s by ${workflowId}`, { workflow_id: workflowId, release_after_seconds: releaseAfterSeconds });
}

/** Undoes the applied steps in reverse order; says how many were undone and what was left undone. */
async function compensate(run: HealRun, done: Applied[]): Promise<{ undoneCount: number; leftUndone: string[] }> {
  const { input, status, journal } = run;
  const leftUndone: string[] = [];
  const toUndo = done.filter((a) => a.step.rollback.action !== null).reverse();
  if (toUndo.length === 0) {
    if (done.length > 0) await journal.step('rollback_started', 'info', 'nothing to roll back: the steps taken have no inverse (a restart cannot be undone)');
    return { undoneCount: 0, leftUndone };
  }
  status.phase = 'compensating';
  await journal.step('rollback_started', 'info', `undoing ${toUndo.length} step(s) in reverse order`);
  for (const a of toUndo) {
    const target = `${a.step.target.kind}:${a.step.target.name ?? a.step.target.id}`;
    try {
      const r = await onHost(a.step.target.host).compensateStep({ step: a.step, result: a.result, healKey: status.attempt_id, service: input.service });
      await journal.step('rollback_step', 'ok', r.detail, { index: a.step.index, ...hostOf(r) }, { action: a.step.rollback.action ?? undefined, target });
    } catch (err) {
      leftUndone.push(`${a.step.rollback.description} (${target})`);
      await journal.step('rollback_failed', 'failed', `${a.step.rollback.description}: ${(err as Error).message}`, { index: a.step.index }, { target });
    }
  }
  return { undoneCount: toUndo.length - leftUndone.length, leftUndone };
}

/**
 * Compensates (not cancellable) and ends the heal: a cancel by a person ends as 'cancelled'; otherwise the heal
 * fails as 'rolled_back' when something was undone, 'failed' when there was nothing to undo, 'rollback_failed'
 * when an undo did not get through.
 */
async function rollBack(run: HealRun, done: Applied[], why: string, ending: 'failed' | 'cancelled' = 'failed'): Promise<HealStatus> {
  const { undoneCount, leftUndone } = await CancellationScope.nonCancellable(() => compensate(run, done));
  const detail = leftUndone.length > 0 ? `${why}; rollback left undone: ${leftUndone.join(', ')}` : undoneCount > 0 ? `${why}; rolled back` : why;
  if (ending === 'cancelled' && leftUndone.length === 0) return finish(run, 'cancelled', detail, [why]);
  const outcome = leftUndone.length > 0 ? 'rollback_failed' : undoneCount > 0 ? 'rolled_back' : 'failed';
  const final = await CancellationScope.nonCancellable(() => finish(run, outcome, detail, [why]));
  throw ApplicationFailure.create({ type: 'HealFailed', message: detail, nonRetryable: true, details: [final] });
}

/** Ends the heal: gives back the budget of a heal that changed nothing, tags the outcome, records it. */
async function finish(run: HealRun, outcome: Outcome, detail: string, reasons: string[] = []): Promise<HealStatus> {
  if (run.reserved && !run.status.applied) {
    run.reserved = false;
    await releaseHealBudget({ attemptId: run.status.attempt_id });
  }
  upsertSearchAttributes([{ key: searchAttributes.outcome, value: outcome }]);
  return run.journal.finish(outcome, detail, reasons);
}

/** The audit says which host's worker ran a step (results of heals before per-host routing carry none). */
function hostOf(result: StepResult): { host?: string } {
  return result.host === undefined ? {} : { host: result.host };
}

function cancelledWhy(c: { actor: string; reason: string }): string {
  return `cancelled by ${c.actor}: ${c.reason}`;
}

function planSummary(input: HealInput, strategy: string | null, steps: number): string {
  const mode = input.dryRun ? 'dry run' : 'apply';
  return strategy ? `${mode}: ${strategy} with ${steps} step(s)` : `${mode}: no strategy could be selected`;
}
