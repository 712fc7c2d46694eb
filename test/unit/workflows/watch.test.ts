// watchWorkflow on Temporal's time-skipping test server (a server of this test file alone), with scripted watch
// activities and the heal's recording stubs: the heal a decision asks for runs as the child heal-<service> and its end
// is settled into the incident, the service's heal lock is respected, a run continues as new with its state (never
// while its heal runs), and blindness shows in the query. The watch samples every 50 ms of real time: the tests wait
// on what the workflow does, not on skipped time, which stalled now and then with several test files at once.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { useTimeSkipping } from '../../helpers/time-skipping';
import { input as healInputOf, plan, stubs, type Behaviour } from '../../helpers/heal-stubs';
import type { HealEvent } from '../../../activities/autopilot';
import { ApplicationFailure } from '@temporalio/common';
import type { Decision, Notice, WatchInput, WatchState, WatchStatus, WatchTick, WatchTickResult } from '../../../src/domain/autopilot';
import { containerEventSignal, healWorkflowId, watchStatusQuery, watchWorkflowId } from '../../../workflows/definitions';

const server = useTimeSkipping();

const EMPTY: WatchState = { memory: { incident: null, troubledStreak: 0 }, cpu: {}, sight: null };

function decision(service: string): Decision {
  return { id: 'inc-1:1', incidentId: 'inc-1', service, at: 0, strategy: 'restart_unhealthy', level: 'auto', policy: null, action: 'start_heal', requireApproval: false, reason: 'started restart_unhealthy', issueType: 'crash_loop' };
}

/** What the scripted tick n (1-based, over every run) answers, besides the defaults, knowing the heal events so far. */
type Script = (n: number, tick: WatchTick, settled: readonly HealEvent[]) => Promise<Partial<WatchTickResult>> | Partial<WatchTickResult>;

/** What the scripted settleHeal tells people, and how the scripted notify answers. */
interface Announcing {
  settleNotices?: (event: HealEvent) => Notice[];
  notify?: (notice: Notice) => Promise<void>;
}

async function watch(service: string, script: Script, b: Behaviour = {}, over: Partial<WatchInput> = {}, during?: (id: string) => Promise<void>, announcing: Announcing = {}) {
  const taskQueue = `watch-${randomUUID()}`;
  const ticks: WatchTick[] = [];
  const settled: HealEvent[] = [];
  const notified: string[] = [];
  const heal = stubs(b);
  const activities = {
    ...heal.activities,
    watchTick: async (tick: WatchTick): Promise<WatchTickResult> => {
      ticks.push(tick);
      // Each answer marks the state it returns, so the next tick (and the next run) can be checked to carry it.
      const state: WatchState = { ...tick.state, cpu: { marker: { totalNs: ticks.length, systemNs: 0 } } };
      return { watched: true, at: ticks.length * 1000, state, containers: [], anomalies: [], heal: null, ...(await script(ticks.length, tick, settled)) };
    },
    settleHeal: async ({ state, event }: { state: WatchState; event: HealEvent }) => {
      settled.push(event);
      return { ...state, notices: announcing.settleNotices?.(event) ?? [] };
    },
    notify: async (notice: Notice) => {
      notified.push(notice.id);
      await announcing.notify?.(notice);
      return { delivered: 1 };
    },
  };
  const worker = await Worker.create({ connection: server.env.nativeConnection, taskQueue, workflowBundle: server.bundle, activities });
  const workflowId = watchWorkflowId(service);
  const status = await worker.runUntil(async () => {
    const handle = await server.env.client.workflow.start('watchWorkflow', { taskQueue, workflowId, args: [{ service, intervalSeconds: 0.05, samplesPerRun: 100, ...over }] });
    if (during) await during(workflowId);
    return (await handle.result()) as WatchStatus;
  });
  return { status, ticks, settled, notified, calls: heal.calls, steps: heal.steps, taskQueue };
}

const healRequest = (service: string): Partial<WatchTickResult> => ({
  heal: { decision: decision(service), input: healInputOf({ service, strategy: 'restart_unhealthy', actor: 'autopilot' }) },
});

// Several workflows and a child each: seconds of real time on a loaded machine, not vitest's default 5.
describe('watchWorkflow on the time-skipping test server', { timeout: 60_000 }, () => {
  it('starts the decided heal as the child heal-<service>, and settles its outcome into the incident', async () => {
    const service = `w-${randomUUID().slice(0, 6)}`;
    const r = await watch(service, (n, _tick, settled) => (n === 2 ? healRequest(service) : settled.length === 2 ? { watched: false } : {}));
    expect(r.status.phase).toBe('stopped');
    expect(r.settled.map((e) => e.kind)).toEqual(['started', 'finished']);
    const [started, finished] = r.settled;
    if (started?.kind !== 'started' || finished?.kind !== 'finished') throw new Error('unexpected events');
    expect(started.heal.workflowId).toBe(healWorkflowId(service));
    expect(started.decision.id).toBe('inc-1:1');
    expect(finished).toEqual({ kind: 'finished', attemptId: started.heal.attemptId, outcome: 'verified' });
    // The heal really ran, as a child, under the autopilot's name.
    const child = await server.env.client.workflow.getHandle(healWorkflowId(service)).describe();
    expect(child.status.name).toBe('COMPLETED');
    expect(child.parentExecution?.workflowId).toBe(watchWorkflowId(service));
    expect(r.calls.filter((c) => c.startsWith('do '))).toHaveLength(3);
    // Every tick got the state the previous one returned.
    r.ticks.slice(1).forEach((t, i) => expect(t.state.cpu['marker']?.totalNs).toBe(i + 1));
  });

  it('a heal of the service already running (its lock) leaves the decision unstarted, for the next sample', async () => {
    const service = `w-${randomUUID().slice(0, 6)}`;
    const blocking = stubs({ plan: plan({ requires_approval: true, approval_reasons: ['test'], approval_timeout_seconds: 3600 }) });
    const taskQueue = `blocking-${randomUUID()}`;
    const worker = await Worker.create({ connection: server.env.nativeConnection, taskQueue, workflowBundle: server.bundle, activities: blocking.activities });
    await worker.runUntil(async () => {
      const other = await server.env.client.workflow.start('healWorkflow', { taskQueue, workflowId: healWorkflowId(service), args: [healInputOf({ service })] });
      const r = await watch(service, (n) => (n === 1 ? healRequest(service) : { watched: false }));
      expect(r.settled).toEqual([{ kind: 'not_started', decision: decision(service), reason: `${healWorkflowId(service)} is already running (one heal per service)` }]);
      // Its approval wait may already be over: the server skips time whenever only timers are left.
      await other.terminate('test over').catch((err: unknown) => expect(err).toBeInstanceOf(WorkflowNotFoundError));
    });
  });

  it('continues as new after samplesPerRun with its state, but not while its heal runs', async () => {
    const service = `w-${randomUUID().slice(0, 6)}`;
    let firstRun: string | undefined;
    // The heal verifies only at its 12th check, a tenth of a second apart: it runs across many samples (3 a run).
    const r = await watch(
      service,
      (n, tick) => {
        firstRun ??= tick.runId;
        return n === 2 ? healRequest(service) : tick.runId !== firstRun ? { watched: false } : {};
      },
      { verdicts: [...Array<boolean>(10).fill(false), true, true], plan: plan({ verification: { interval_seconds: 0.1, max_checks: 20, consecutive_required: 2 } }) },
      { samplesPerRun: 3 },
    );
    const runs = [...new Set(r.ticks.map((t) => t.runId))];
    expect(runs).toHaveLength(2);
    const firstRunTicks = r.ticks.filter((t) => t.runId === runs[0]);
    expect(firstRunTicks.length).toBeGreaterThan(3);
    expect(r.settled.map((e) => e.kind)).toEqual(['started', 'finished']);
    expect(r.settled[1]).toMatchObject({ outcome: 'verified' });
    // The next run starts from the state the last tick of the previous one returned.
    const firstOfSecond = r.ticks.find((t) => t.runId === runs[1])!;
    expect(firstOfSecond.state.cpu['marker']?.totalNs).toBe(firstRunTicks.length);
    expect(firstOfSecond.tickId).toBe(`${watchWorkflowId(service)}:${runs[1]}:1`);
  });

  it('hands the notices of samples and heals to notify in order, and goes on sampling when one is not delivered', async () => {
    const service = `w-${randomUUID().slice(0, 6)}`;
    const notice = (id: string) => ({ id, type: 'incident.opened' }) as Notice;
    const r = await watch(
      service,
      (n, _tick, settled) => (n === 1 ? { notices: [notice('opened')] } : n === 2 ? healRequest(service) : settled.length === 2 ? { watched: false } : {}),
      {},
      {},
      undefined,
      {
        settleNotices: (event) => (event.kind === 'started' ? [notice('approval')] : [notice('failed'), notice('escalated')]),
        // The first is refused for good (a receiver's 4xx): the watch logs it and goes on.
        notify: async (n) => {
          if (n.id === 'opened') throw ApplicationFailure.create({ type: 'WebhookFailed', message: 'HTTP 400', nonRetryable: true });
        },
      },
    );
    expect(r.status.phase).toBe('stopped');
    expect(r.notified).toEqual(['opened', 'approval', 'failed', 'escalated']);
    const history = await server.env.client.workflow.getHandle(watchWorkflowId(service)).fetchHistory();
    const scheduled = history.events?.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'notify') ?? [];
    expect(scheduled).toHaveLength(4);
    expect(history.events?.some((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toBe(true);
  });

  it('keeps sampling past samplesPerRun while a notice is still being sent, then continues as new', async () => {
    const service = `w-${randomUUID().slice(0, 6)}`;
    let release!: () => void;
    const sent = new Promise<void>((resolve) => (release = resolve));
    let firstRun: string | undefined;
    const r = await watch(
      service,
      (n, tick) => {
        firstRun ??= tick.runId;
        // The receiver answers only once the run has sampled past its 3 samples.
        if (n === 6) release();
        return n === 1 ? { notices: [{ id: 'opened', type: 'incident.opened' } as Notice] } : tick.runId !== firstRun ? { watched: false } : {};
      },
      {},
      { samplesPerRun: 3 },
      undefined,
      { notify: () => sent },
    );
    const runs = [...new Set(r.ticks.map((t) => t.runId))];
    expect(runs).toHaveLength(2);
    expect(r.ticks.filter((t) => t.runId === runs[0]).length).toBeGreaterThanOrEqual(6);
    expect(r.notified).toEqual(['opened']);
  });

  it('a container event wakes the watch: it samples at once instead of at its next interval', async () => {
    const service = `w-${randomUUID().slice(0, 6)}`;
    // Ten minutes between samples, and no time skipped before the result is awaited: only the signal can bring sample 2 and 3.
    const r = await watch(service, (n) => (n >= 3 ? { watched: false } : {}), {}, { intervalSeconds: 600 }, async (workflowId) => {
      const handle = server.env.client.workflow.getHandle(workflowId);
      for (const n of [1, 2]) {
        while (((await handle.query(watchStatusQuery).catch(() => null))?.samples ?? 0) < n) await new Promise((resolve) => setTimeout(resolve, 50));
        await handle.signal(containerEventSignal, { container: 'api-1', action: 'health_status: unhealthy', at: 0 });
      }
    });
    expect(r.status.phase).toBe('stopped');
    expect(r.ticks).toHaveLength(3);
  });

  it('shows a blind service in its query, with the reason and since when', async () => {
    const service = `w-${randomUUID().slice(0, 6)}`;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const blind: WatchState = { ...EMPTY, sight: { blind: true, reason: 'docker: connect ENOENT', since: 1000 } };
    await watch(
      service,
      async (n) => {
        if (n === 1) return { state: blind };
        await gate;
        return { watched: false };
      },
      {},
      {},
      async (workflowId) => {
        const handle = server.env.client.workflow.getHandle(workflowId);
        for (;;) {
          const s = await handle.query(watchStatusQuery);
          if (s.samples >= 1) {
            expect(s).toMatchObject({ phase: 'blind', blind_reason: 'docker: connect ENOENT', blind_since: 1000, incident: null });
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        release();
      },
    );
  });
});
