// planHeal in a MockActivityEnvironment on the in-memory fakes: what it observes, which strategy it picks (named, or
// by Thompson sampling over the recorded outcomes), the safety checks it derives from the audit, and the choice it
// records for the learner.
import { describe, expect, it } from 'vitest';
import { createPlanningActivities } from '../../../activities/planning';
import type { HealInput, HealPlan } from '../../../src/domain/heal';
import type { HostObservation } from '../../../src/domain/hosts';
import { fakeDeps, FAKE_NOW, type FakeDeps } from '../../fakes/deps';
import { container, FakeContainerRuntime } from '../../fakes/others';
import { mulberry32 } from '../../../src/domain/learning';
import { input } from '../../helpers/heal-stubs';
import { recordingActivityEnv } from '../../helpers/activity-env';

const { env, entries } = recordingActivityEnv();

async function plan(deps: FakeDeps, heal: HealInput, attemptId = 'attempt-1'): Promise<HealPlan> {
  return (await env.run(createPlanningActivities(deps).planHeal, { heal, attemptId, workflowId: `heal-${heal.service}`, runId: attemptId })) as HealPlan;
}

const unhealthy = () => new FakeContainerRuntime([container({ name: 'web-1', service: 'svc', health: 'unhealthy' }), container({ name: 'web-2', service: 'svc' })]);

const restart = (over: Partial<HealInput> = {}) =>
  input({ strategy: 'restart_unhealthy', context: { services: ['svc'], containers: ['web-1', 'web-2'] }, verify: [{ name: 'container_health' }], ...over });

describe('planHeal', () => {
  it('restarts only the unhealthy containers of the allowlist, as observed, and records the choice of an applied heal', async () => {
    const deps = fakeDeps({ containers: unhealthy() });
    const p = await plan(deps, restart());
    expect(p).toMatchObject({ strategy: 'restart_unhealthy', allowed: true, selection: { method: 'explicit' } });
    expect(p.steps).toEqual([
      expect.objectContaining({ action: 'restart_container', target: { kind: 'container', id: 'id-web-1', name: 'web-1' }, params: expect.objectContaining({ startedAtBefore: '2026-01-01T00:00:00.000Z' }) }),
    ]);
    expect(await deps.learningStore.choices('degradation')).toEqual([{ issueType: 'degradation', strategy: 'restart_unhealthy', at: FAKE_NOW }]);
  });

  it('logs its decision: the strategy and the steps, or the checks that refused the plan', async () => {
    const deps = fakeDeps({ containers: unhealthy() });
    entries.length = 0;
    await plan(deps, restart());
    await plan(deps, restart({ context: { services: ['svc'], containers: ['web-1', 'gone'] } }));
    const decisions = entries.filter((e) => e.message.startsWith('heal plan'));
    expect(decisions.map((e) => [e.level, e.message])).toEqual([
      ['INFO', 'heal planned'],
      ['INFO', 'heal plan refused'],
    ]);
    expect(decisions[0]!.meta).toMatchObject({ service: 'svc', strategy: 'restart_unhealthy', selection: 'explicit', steps: [{ action: 'restart_container', target: 'web-1' }], failedChecks: [] });
    expect(decisions[1]!.meta).toMatchObject({ failedChecks: expect.arrayContaining(['containers_exist: unknown container(s): gone']) });
    // The activity's context is on every entry: the workflow the decision belongs to.
    expect(decisions[0]!.meta).toHaveProperty('workflowId');
  });

  it('records no choice for a dry run', async () => {
    const deps = fakeDeps({ containers: unhealthy() });
    expect((await plan(deps, restart({ dryRun: true }))).allowed).toBe(true);
    expect(await deps.learningStore.choices()).toEqual([]);
  });

  it('refuses the same strategy within its cooldown, from the audit, and records no choice', async () => {
    const deps = fakeDeps({ containers: unhealthy() });
    await deps.auditStore.recordHealAttempt({ ...attemptRecord('earlier'), at: FAKE_NOW - 60_000 });
    const p = await plan(deps, restart());
    expect(p.allowed).toBe(false);
    expect(p.safety_checks.find((c) => c.name === 'cooldown')).toMatchObject({ passed: false });
    expect(await deps.learningStore.choices()).toEqual([]);
  });

  it('a reset heal is not refused by its own first run', async () => {
    const deps = fakeDeps({ containers: unhealthy() });
    await deps.auditStore.recordHealAttempt({ ...attemptRecord('attempt-1'), at: FAKE_NOW - 60_000 });
    const p = await plan(deps, restart(), 'attempt-1');
    expect(p.safety_checks.find((c) => c.name === 'cooldown')).toMatchObject({ passed: true });
    expect(p.allowed).toBe(true);
  });

  it('with no strategy named, picks by Thompson sampling among the recommended strategies whose preconditions hold, after what worked', async () => {
    const chosen = new Map<string, number>();
    for (let seed = 0; seed < 20; seed++) {
      const deps = fakeDeps({ containers: unhealthy() });
      deps.random = mulberry32(seed);
      // rolling_restart always failed here; restart_unhealthy always worked.
      for (let i = 0; i < 15; i++) {
        await deps.learningStore.recordOutcome({ attemptId: `r${i}`, issueType: 'degradation', strategy: 'rolling_restart', success: false, at: FAKE_NOW - 3_600_000 });
        await deps.learningStore.recordOutcome({ attemptId: `u${i}`, issueType: 'degradation', strategy: 'restart_unhealthy', success: true, at: FAKE_NOW - 3_600_000 });
      }
      const heal = restart({ diagnosis: { ...restart().diagnosis, recommended_strategies: ['rolling_restart', 'restart_unhealthy', 'apply_backpressure'] } });
      delete heal.strategy;
      const p = await plan(deps, heal);
      expect(p.selection.method).toBe('thompson');
      // apply_backpressure needs queues in the context: never a candidate.
      expect(p.selection.candidates).toEqual(['rolling_restart', 'restart_unhealthy']);
      chosen.set(p.strategy!, (chosen.get(p.strategy!) ?? 0) + 1);
    }
    expect(chosen.get('restart_unhealthy')).toBeGreaterThanOrEqual(18);
  });

  it('with no recommended strategy whose preconditions hold, plans nothing and says why', async () => {
    const deps = fakeDeps({ containers: new FakeContainerRuntime([container({ name: 'web-1', service: 'svc' })]) });
    const heal = restart({ diagnosis: { ...restart().diagnosis, recommended_strategies: ['restart_unhealthy'] } });
    delete heal.strategy;
    const p = await plan(deps, heal);
    expect(p).toMatchObject({ strategy: null, allowed: false, selection: { method: 'none' } });
    expect(p.selection.reason).toContain('no recommended strategy has its preconditions met');
  });
});

describe('observeOwnDockerHost', () => {
  const observe = async (deps: FakeDeps) =>
    (await env.run(createPlanningActivities(deps).observeOwnDockerHost, { containers: ['web-1', 'gone'], service: 'svc' })) as { hosts: string[]; own: HostObservation | null };

  it('names the hosts planning asks and answers for its own engine when its host is one of them', async () => {
    const deps = fakeDeps({ containers: unhealthy() }, { WORKER_HOST_ID: 'host-a', WORKER_DOCKER_HOSTS: 'host-a,host-b' });
    const { hosts, own } = await observe(deps);
    expect(hosts).toEqual(['host-a', 'host-b']);
    expect(own).toMatchObject({ host: 'host-a', containers: [{ ref: 'web-1', info: { name: 'web-1', health: 'unhealthy' } }, { ref: 'gone', info: null }] });
    expect(own!.serviceContainers.map((c) => c.name).sort()).toEqual(['web-1', 'web-2']);
  });

  it('observes nothing when its host is not one planning asks', async () => {
    const deps = fakeDeps({ containers: unhealthy() }, { WORKER_HOST_ID: 'host-c', WORKER_DOCKER_HOSTS: 'host-a,host-b' });
    expect(await observe(deps)).toEqual({ hosts: ['host-a', 'host-b'], own: null });
  });
});

describe('planHealHere', () => {
  const here = async (deps: FakeDeps) =>
    (await env.run(createPlanningActivities(deps).planHealHere, { heal: restart(), attemptId: 'attempt-1', workflowId: 'heal-svc', runId: 'attempt-1' })) as Awaited<
      ReturnType<ReturnType<typeof createPlanningActivities>['planHealHere']>
    >;

  it('plans from its own engine when its host is the only one planning asks, each step on that host', async () => {
    const deps = fakeDeps({ containers: unhealthy() }, { WORKER_HOST_ID: 'host-a', WORKER_DOCKER_HOSTS: 'host-a' });
    const { plan: p } = await here(deps);
    expect(p).toMatchObject({ strategy: 'restart_unhealthy', allowed: true });
    expect(p!.steps.map((s) => [s.target.name, s.target.host])).toEqual([['web-1', 'host-a']]);
  });

  it('plans nothing while other hosts are to be asked: gives back the hosts and its own observation', async () => {
    const deps = fakeDeps({ containers: unhealthy() }, { WORKER_HOST_ID: 'host-a', WORKER_DOCKER_HOSTS: 'host-a,host-b' });
    const answer = await here(deps);
    expect(answer).toMatchObject({ plan: null, hosts: ['host-a', 'host-b'], own: { host: 'host-a' } });
    expect(await deps.learningStore.choices()).toEqual([]);
  });
});

function attemptRecord(id: string) {
  return {
    id,
    at: FAKE_NOW,
    workflowId: 'heal-svc',
    runId: id,
    service: 'svc',
    strategy: 'restart_unhealthy',
    dryRun: false,
    applied: true,
    verified: true,
    outcome: 'verified' as const,
    issueType: 'degradation',
    rootCause: 'r',
    actor: 'tester',
    requestId: 'req',
    diagnosis: input().diagnosis,
    plan: null,
    reasons: [],
    finishedAt: FAKE_NOW,
  };
}

