// healWorkflow's branches on Temporal's time-skipping test server, with recording stubs in place of the activities:
// compensation order, partial failures, approval and four eyes, refusal, dry run, pre-check, cancellation, budget, the
// backpressure release child, and the timer-heavy branches (the production approval timeout of 15 minutes and
// verification holds of minutes run in seconds, because the server skips ahead whenever the workflow only waits on a
// timer and the test waits on its result). While a test queries, updates or signals, time runs as the clock does. What
// the activities really do is covered against the real services by the adapter and end-to-end tests.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../../activities';
import { useTimeSkipping } from '../../helpers/time-skipping';
import type { HealInput, HealStatus } from '../../../src/domain/heal';
import { cancelHealSignal, decideApprovalUpdate, healStatusQuery } from '../../../workflows/definitions';
import { input, plan, stubs, type Behaviour } from '../../helpers/heal-stubs';

type TimeSkipping = ReturnType<typeof useTimeSkipping>;

/** One worker on the test server for all the tests that use it (a worker per test cost about a second each); each
 * test's heals call the recording stubs that test put in place. The tests of a file run one at a time. */
function useHealWorker(on: TimeSkipping) {
  const taskQueue = `orchestration-${randomUUID()}`;
  let current: ReturnType<typeof stubs> | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    worker = await healWorker(on, taskQueue, () => current!);
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
  });
  return { on, taskQueue, stub: (b: Behaviour) => (current = stubs(b)) };
}

/** A worker whose activities call the recording stubs `current()` names when they run. */
function healWorker(on: TimeSkipping, taskQueue: string, current: () => ReturnType<typeof stubs>): Promise<Worker> {
  const names = Object.keys(stubs({}).activities) as (keyof Activities)[];
  const delegate = (name: keyof Activities) => (...args: unknown[]) => (current().activities[name] as (...a: unknown[]) => unknown)(...args);
  const activities = Object.fromEntries(names.map((name) => [name, delegate(name)])) as unknown as Activities;
  return Worker.create({ connection: on.env.nativeConnection, taskQueue, workflowBundle: on.bundle, activities });
}

/** One heal on a worker of its own, shut down when the heal ends: nothing of it outlives its test. */
async function runAlone(on: TimeSkipping, b: Behaviour, healInput: HealInput, during?: (workflowId: string) => Promise<void>) {
  const taskQueue = `timers-${randomUUID()}`;
  let current: ReturnType<typeof stubs> | undefined;
  const worker = await healWorker(on, taskQueue, () => current!);
  return worker.runUntil(run(b, healInput, during, { on, taskQueue, stub: (x: Behaviour) => (current = stubs(x)) }));
}

const server = useTimeSkipping();
const heals = useHealWorker(server);

/** A closed workflow's history events, with each one's time in seconds of workflow time. */
async function history(workflowId: string, on: TimeSkipping = server) {
  const events = (await on.env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  return events.map((e) => ({ type: e.eventType, at: Number(e.eventTime?.seconds ?? 0) + (e.eventTime?.nanos ?? 0) / 1e9 }));
}

/** Runs one heal to its end (and the backpressure release it schedules); returns its final status, its failure, what
 * the stubs saw and the time it took. */
async function run(b: Behaviour, healInput: HealInput, during?: (workflowId: string) => Promise<void>, { on, taskQueue, stub } = heals) {
  const { calls, steps } = stub(b);
  const workflowId = `heal-test-${randomUUID()}`;
  const wallStart = Date.now();
  const handle = await on.env.client.workflow.start('healWorkflow', { taskQueue, workflowId, args: [healInput] });
  if (during) await during(workflowId);
  let outcome: { status: HealStatus; failure: WorkflowFailedError | null };
  try {
    outcome = { status: (await handle.result()) as HealStatus, failure: null };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const details = (err.cause as { details?: unknown[] } | undefined)?.details;
    outcome = { status: (details?.[0] ?? (await handle.query(healStatusQuery))) as HealStatus, failure: err };
  }
  // A verified backpressure step is released later by a child workflow: wait for it.
  const release = steps.find((s) => s.step === 'backpressure_release_scheduled');
  if (release) await on.env.client.workflow.getHandle(release.data.workflow_id as string).result();
  // Workflow time, from the history's own clock: the server's current time is no measure, since it skips ahead
  // whenever nothing runs, also after the heal ended.
  const events = await history(workflowId, on);
  const workflowSeconds = events.at(-1)!.at - events[0]!.at;
  return { ...outcome, calls, steps, workflowId, workflowSeconds, wallSeconds: (Date.now() - wallStart) / 1000 };
}

/** Waits, in real time (queries do not let the server skip ahead), until the heal reports the phase. */
async function waitForPhase(workflowId: string, phase: string) {
  const handle = server.env.client.workflow.getHandle(workflowId);
  for (let i = 0; i < 100; i++) {
    if ((await handle.query(healStatusQuery)).phase === phase) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never reached ${phase}`);
}

describe('healWorkflow orchestration', () => {
  it('when verification holds, acts in order and completes verified without compensating', async () => {
    const r = await run({ verdicts: [true, true] }, input());
    expect(r.failure).toBeNull();
    expect(r.status.outcome).toBe('verified');
    // The backpressure step (2) is lifted afterwards by the release workflow (backpressure_release_seconds 0 here).
    expect(r.calls).toEqual(['reserve', 'do 0', 'do 1', 'do 2', 'verify', 'verify', 'undo 2']);
  });

  it('four eyes: the requester may not approve; an admin may with a reason (audited); never for the circuit breaker', async () => {
    const gated = plan({ requires_approval: true, approval_reasons: ['policy'] });
    let refusals: string[] = [];
    const tryDecide = async (id: string, d: Record<string, unknown>) => {
      try {
        await server.env.client.workflow.getHandle(id).executeUpdate(decideApprovalUpdate, { args: [d as never] });
        return true;
      } catch (err) {
        refusals.push(((err as { cause?: { type?: string; message?: string } }).cause?.type ?? '') + ': ' + ((err as Error).cause as Error | undefined)?.message);
        return false;
      }
    };
    const own = await run({ plan: gated }, input({ actor: 'alice' }), async (id) => {
      await waitForPhase(id, 'awaiting_approval');
      expect(await tryDecide(id, { approve: true, actor: 'alice', role: 'operator' })).toBe(false);
      expect(await tryDecide(id, { approve: true, actor: 'alice', role: 'operator', overrideReason: 'operators cannot override' })).toBe(false);
      expect(await tryDecide(id, { approve: true, actor: 'alice', role: 'admin', overrideReason: 'night shift, nobody else on call' })).toBe(true);
    });
    expect(own.status.outcome).toBe('verified');
    expect(refusals).toEqual([expect.stringMatching(/^FourEyes: alice requested this heal/), expect.stringMatching(/^FourEyes: alice requested this heal/)]);
    const approved = own.steps.find((s) => s.step === 'approved')!;
    expect(approved.detail).toContain('four-eyes override by admin alice, who requested it: night shift, nobody else on call');
    expect(approved.data).toMatchObject({ approver: 'alice', requester: 'alice', four_eyes_override: true, override_reason: 'night shift, nobody else on call' });

    refusals = [];
    const breaker = await run({ plan: plan({ requires_approval: true, approval_reasons: ['circuit breaker open: 3 failed'], circuit_breaker_open: true }) }, input({ actor: 'alice' }), async (id) => {
      await waitForPhase(id, 'awaiting_approval');
      expect(await tryDecide(id, { approve: true, actor: 'alice', role: 'admin', overrideReason: 'I know what I am doing' })).toBe(false);
      expect(await tryDecide(id, { approve: true, actor: 'bob', role: 'operator' })).toBe(true);
    });
    expect(refusals).toEqual([expect.stringMatching(/circuit breaker is open: another person must approve/)]);
    expect(breaker.steps.find((s) => s.step === 'approved')!.data).toMatchObject({ approver: 'bob', requester: 'alice' });
    expect(breaker.steps.find((s) => s.step === 'approved')!.data.four_eyes_override).toBeUndefined();
  });

  it('when verification fails, compensates the reversible steps in reverse order and fails the heal', async () => {
    const r = await run({ verdicts: [false, true, false] }, input());
    expect(r.calls).toEqual(['reserve', 'do 0', 'do 1', 'do 2', 'verify', 'verify', 'verify', 'undo 2', 'undo 0']);
    expect(r.status.outcome).toBe('rolled_back');
    expect(r.failure?.cause?.message).toContain('verification failed; rolled back');
    expect(r.steps.filter((s) => s.step === 'rollback_step').map((s) => s.data.index)).toEqual([2, 0]);
  });

  it('when an action fails half-way, undoes it and the steps before it, in reverse order', async () => {
    const r = await run({ failAction: 2 }, input());
    expect(r.calls).toEqual(['reserve', 'do 0', 'do 1', 'do 2', 'undo 2', 'undo 0']);
    expect(r.status.outcome).toBe('rolled_back');
    expect(r.steps.map((s) => s.step)).toContain('action_failed');
  });

  it('when a compensation fails, goes on with the others and says what was left undone', async () => {
    const r = await run({ verdicts: [false, false, false], failCompensation: 2 }, input());
    expect(r.calls.slice(-2)).toEqual(['undo 2', 'undo 0']);
    expect(r.status.outcome).toBe('rollback_failed');
    expect(r.failure?.cause?.message).toContain('rollback left undone: release_backpressure t2');
  });

  it('a dry run plans and records, and never acts or verifies', async () => {
    const r = await run({}, input({ dryRun: true }));
    expect(r.status.outcome).toBe('planned');
    expect(r.calls).toEqual([]);
    expect(r.steps.map((s) => s.step)).toEqual(['planned', 'completed']);
  });

  it('a plan refused by the safety envelope records the refusal and never acts', async () => {
    const refused = plan({ allowed: false, safety_checks: [{ name: 'cooldown', passed: false, detail: '120s left' }] });
    const r = await run({ plan: refused }, input());
    expect(r.status.outcome).toBe('refused');
    expect(r.status.reasons).toEqual(['cooldown: 120s left']);
    expect(r.calls).toEqual([]);
  });

  it('waits for approval; a rejection ends the heal without acting', async () => {
    const r = await run({ plan: plan({ requires_approval: true, approval_reasons: ['policy'] }) }, input(), async (id) => {
      await waitForPhase(id, 'awaiting_approval');
      await server.env.client.workflow.getHandle(id).executeUpdate(decideApprovalUpdate, { args: [{ approve: false, actor: 'bob', comment: 'not now' }] });
    });
    expect(r.status.outcome).toBe('rejected');
    expect(r.calls).toEqual([]);
    expect(r.steps.find((s) => s.step === 'rejected')?.detail).toBe('rejected by bob: not now');
  });

  it('an approval lets the heal run', async () => {
    const r = await run({ plan: plan({ requires_approval: true, approval_reasons: ['policy'] }) }, input(), async (id) => {
      await waitForPhase(id, 'awaiting_approval');
      await server.env.client.workflow.getHandle(id).executeUpdate(decideApprovalUpdate, { args: [{ approve: true, actor: 'bob' }] });
    });
    expect(r.status.outcome).toBe('verified');
    expect(r.steps.map((s) => s.step)).toContain('approved');
  });

  it('a cancel signal while waiting for approval ends the heal as cancelled', async () => {
    const r = await run({ plan: plan({ requires_approval: true, approval_reasons: ['policy'] }) }, input(), async (id) => {
      await waitForPhase(id, 'awaiting_approval');
      await server.env.client.workflow.getHandle(id).signal(cancelHealSignal, { actor: 'carol', reason: 'maintenance' });
    });
    expect(r.status.outcome).toBe('cancelled');
    expect(r.calls).toEqual([]);
  });

  it('when verification holds but no action changed anything, records recovered_before_action, not a success', async () => {
    const r = await run({ verdicts: [true, true], unchanged: true }, input());
    expect(r.failure).toBeNull();
    expect(r.status).toMatchObject({ outcome: 'recovered_before_action', applied: false, verified: true });
  });

  it('a cancel signal while verifying rolls back in reverse order and ends the heal as cancelled', async () => {
    const r = await run({ verdicts: [], plan: plan({ verification: { interval_seconds: 1, max_checks: 30, consecutive_required: 2 } }) }, input(), async (id) => {
      await waitForPhase(id, 'verifying');
      await server.env.client.workflow.getHandle(id).signal(cancelHealSignal, { actor: 'carol', reason: 'wrong service' });
    });
    expect(r.failure).toBeNull();
    expect(r.status.outcome).toBe('cancelled');
    expect(r.calls.filter((c) => c.startsWith('undo'))).toEqual(['undo 2', 'undo 0']);
    expect(r.status.reasons).toEqual(['cancelled by carol: wrong service']);
  });

  it('reserves the budget right before the first action; a spent budget refuses the heal without acting', async () => {
    const ok = await run({}, input());
    expect(ok.calls.slice(0, 2)).toEqual(['reserve', 'do 0']);
    const spent = await run({ budgetSpent: true }, input());
    expect(spent.status.outcome).toBe('refused');
    expect(spent.status.reasons).toEqual(['budget: budget spent: test']);
    expect(spent.calls).toEqual(['reserve']);
  });

  it('gives the budget back when the heal changed nothing', async () => {
    const r = await run({ verdicts: [true, true], unchanged: true }, input());
    expect(r.status.outcome).toBe('recovered_before_action');
    expect(r.calls).toContain('release');
    const changed = await run({ verdicts: [false, false, false] }, input());
    expect(changed.calls).not.toContain('release');
  });

  it('when the target is already healthy before acting, records that and does nothing', async () => {
    const r = await run({ verdicts: [true] }, input({ skipIfHealthy: true }));
    expect(r.status.outcome).toBe('recovered_before_action');
    expect(r.calls).toEqual(['verify']);
  });
});

// On a test server of its own: after the release child's timer was skipped, the test server skipped no more time for
// the heals of later tests (their approval timeouts and verification holds hung), a bug of the test server's.
describe('healWorkflow backpressure release', () => {
  const own = useTimeSkipping();

  it('a verified backpressure policy is released after backpressure_release_seconds by a child that outlives the heal', async () => {
    const r = await runAlone(own, { plan: plan({ backpressure_release_seconds: 2 }) }, input());
    expect(r.status.outcome).toBe('verified');
    const scheduled = r.steps.find((s) => s.step === 'backpressure_release_scheduled')!;
    expect(scheduled.detail).toMatch(/backpressure on t2 is lifted in 2s/);
    expect(r.calls.filter((c) => c.startsWith('undo'))).toEqual(['undo 2']);
    // In workflow time: the release undoes the step 2 s after it started, and after the heal closed.
    const heal = await history(r.workflowId, own);
    const release = await history(scheduled.data.workflow_id as string, own);
    const undone = release.find((e) => e.type === temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)!;
    expect(undone.at - release[0]!.at).toBeGreaterThanOrEqual(2);
    expect(undone.at).toBeGreaterThanOrEqual(heal.at(-1)!.at);
  });
});

// On a test server of their own, each heal on a worker of its own: after the orchestration tests above, on the shared
// server and worker, the 15-minute approval timeout once hung on a loaded machine (no time skipped), and the heals
// it left running then called the next tests' stubs.
describe('healWorkflow timers on the time-skipping test server', () => {
  const own = useTimeSkipping();

  it('with no decision, ends as approval_timeout after the production timeout of 15 minutes, in seconds of real time', async () => {
    const r = await runAlone(own, { plan: plan({ requires_approval: true, approval_reasons: ['policy'], approval_timeout_seconds: 900 }) }, input());
    expect(r.status.outcome).toBe('approval_timeout');
    expect(r.calls).toEqual([]);
    expect(r.steps.map((s) => s.step)).toEqual(['planned', 'approval_requested', 'completed']);
    expect(r.workflowSeconds).toBeGreaterThanOrEqual(900);
    expect(r.wallSeconds).toBeLessThan(60);
  });

  it('verification waits interval by interval until the health held long enough, then completes verified', async () => {
    // Checks every 30 s; three healthy checks in a row are needed; the first check fails, so the hold starts over.
    const r = await runAlone(
      own,
      { verdicts: [false, true, true, true], plan: plan({ verification: { interval_seconds: 30, max_checks: 10, consecutive_required: 3 } }) },
      input(),
    );
    expect(r.failure).toBeNull();
    expect(r.status.outcome).toBe('verified');
    expect(r.calls.filter((c) => c === 'verify')).toHaveLength(4);
    expect(r.steps.filter((s) => s.step === 'verification').map((s) => s.data.consecutive)).toEqual([0, 1, 2, 3]);
    // Three waits of 30 s between four checks.
    expect(r.workflowSeconds).toBeGreaterThanOrEqual(90);
    expect(r.workflowSeconds).toBeLessThan(120);
  });

  it('a hold that never comes gives up after max_checks and rolls back in reverse order', async () => {
    const r = await runAlone(own, { verdicts: [], plan: plan({ verification: { interval_seconds: 60, max_checks: 5, consecutive_required: 2 } }) }, input());
    expect(r.status.outcome).toBe('rolled_back');
    expect(r.failure?.cause?.message).toContain('verification failed; rolled back');
    // The budget is reserved before the first action.
    expect(r.calls).toEqual(['reserve', 'do 0', 'do 1', 'do 2', 'verify', 'verify', 'verify', 'verify', 'verify', 'undo 2', 'undo 0']);
    expect(r.workflowSeconds).toBeGreaterThanOrEqual(4 * 60);
  });

  it("Temporal's own cancellation during a verification hold undoes the applied steps, then ends the run as cancelled", async () => {
    const r = await runAlone(own, { verdicts: [], plan: plan({ verification: { interval_seconds: 60, max_checks: 30, consecutive_required: 2 } }) }, input(), async (id) => {
      const handle = own.env.client.workflow.getHandle(id);
      for (let i = 0; i < 200 && !(await handle.query(healStatusQuery)).steps.some((s) => s.step === 'verification'); i++) await new Promise((r) => setTimeout(r, 50));
      await handle.cancel();
    });
    expect(r.failure?.cause?.name).toBe('CancelledFailure');
    expect(r.calls.filter((c) => c.startsWith('undo'))).toEqual(['undo 2', 'undo 0']);
    expect(r.status.outcome).toBe('cancelled');
    expect(r.steps.map((s) => s.step).slice(-4)).toEqual(['rollback_started', 'rollback_step', 'rollback_step', 'completed']);
  });
});
