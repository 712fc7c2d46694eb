// watchTick and settleHeal in a MockActivityEnvironment on the in-memory fakes, with the real detector and
// diagnosis behind a minimal analysis store: what one sample records and asks for at each level, and blindness.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAutopilotActivities, type HealEvent } from '../../../activities/autopilot';
import type { AnalysisStore, BaselineStates } from '../../../src/adapters/ports';
import { parseAutopilotPolicy, tickNotices, type Notice, type SettledHeal, type WatchState, type WatchTickResult } from '../../../src/domain/autopilot';
import { strategyNames } from '../../../src/domain/strategies';
import { fakeDeps, FAKE_NOW, type FakeDeps } from '../../fakes/deps';
import { container, FakeContainerRuntime } from '../../fakes/others';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver';
import { startMetricsExporter, type ExporterAnswer, type MetricsExporter } from '../../helpers/metrics-exporter';
import { loadConfig } from '../../../src/config';

const env = new MockActivityEnvironment();
const EMPTY: WatchState = { memory: { incident: null, troubledStreak: 0 }, cpu: {}, sight: null };

/** Folds every analysis into baselines kept in memory, as the Neo4j store does in its transaction. */
function memoryAnalysisStore(): AnalysisStore & { ids: string[]; metrics: Record<string, number>[] } {
  let baselines: BaselineStates = {};
  const ids: string[] = [];
  const metrics: Record<string, number>[] = [];
  return {
    ids,
    metrics,
    async analyzeOnce(input, compute) {
      ids.push(input.analysisId);
      metrics.push(input.metrics);
      const at = input.at ?? FAKE_NOW;
      const c = compute(baselines, at);
      baselines = c.baselines;
      return { anomalies: c.anomalies, diagnosis: c.diagnosis, replayed: false, sampleCounts: {}, at, lateMetrics: c.lateMetrics };
    },
    getBaselines: async () => baselines,
  };
}

function depsFor(level: string | null, containers = [container({ name: 'api-1', service: 'api' }), container({ name: 'api-2', service: 'api' })]): FakeDeps {
  const policy = level === null ? null : parseAutopilotPolicy(`services:\n  api:\n    strategies:\n      restart_unhealthy: ${level}\n`, { path: 'p.yaml', version: 'v1' }, strategyNames());
  return fakeDeps({ containers: new FakeContainerRuntime(containers.map((c) => ({ ...c, service: 'api' }))), analysisStore: memoryAnalysisStore(), autopilotPolicy: policy });
}

async function tick(deps: FakeDeps, state: WatchState, n = 1): Promise<WatchTickResult> {
  return (await env.run(createAutopilotActivities(deps).watchTick, { service: 'api', tickId: `watch-api:r1:${n}`, runId: 'r1', state })) as WatchTickResult;
}

describe('watchTick', () => {
  it('a healthy service: analysed under the tick id, watching, no incident and nothing recorded but its sight', async () => {
    const deps = depsFor('auto');
    const r = await tick(deps, EMPTY);
    expect(r).toMatchObject({ watched: true, heal: null, anomalies: [] });
    expect(r.containers).toEqual([
      { name: 'api-1', state: 'running', health: 'healthy' },
      { name: 'api-2', state: 'running', health: 'healthy' },
    ]);
    expect(r.state.sight).toEqual({ blind: false, reason: null, since: FAKE_NOW });
    expect(r.state.memory.incident).toBeNull();
    expect((deps.analysisStore as ReturnType<typeof memoryAnalysisStore>).ids).toEqual(['watch-api:r1:1']);
    expect(deps.autopilotStore.records.map((x) => [x.sight?.blind, x.incident, x.decision])).toEqual([[false, null, null]]);
    // The next healthy sample changes nothing, so writes nothing.
    await tick(deps, r.state, 2);
    expect(deps.autopilotStore.records).toHaveLength(1);
  });

  it('auto: an unhealthy container opens an incident and asks for restart_unhealthy on the managed containers', async () => {
    const deps = depsFor('auto');
    deps.containers.containers.get('id-api-1')!.health = 'unhealthy';
    const r = await tick(deps, EMPTY);
    expect(r.state.memory.incident).toMatchObject({ id: 'incident:watch-api:r1:1', status: 'open', troubles: ['container:api-1:unhealthy'], needsDecision: true });
    expect(r.heal?.decision).toMatchObject({ strategy: 'restart_unhealthy', level: 'auto', action: 'start_heal', issueType: 'crash_loop' });
    expect(r.heal?.input).toMatchObject({ service: 'api', strategy: 'restart_unhealthy', dryRun: false, requireApproval: false, actor: 'autopilot', context: { services: ['api'], containers: ['api-1', 'api-2'] } });
    const [record] = deps.autopilotStore.records.slice(-1);
    expect(record?.incident?.changes).toEqual(['opened']);
    expect(record?.snapshotId).toBe('watch-api:r1:1');
    // Recorded once the workflow says whether the heal started.
    expect(record?.decision).toBeNull();
    expect(r.notices).toEqual([expect.objectContaining({ id: 'incident:watch-api:r1:1:opened', type: 'incident.opened', service: 'api' })]);
    // The next sample groups into the same incident: nothing more to tell.
    expect((await tick(deps, r.state, 2)).notices).toEqual([]);
  });

  it('shadow: records what it would have done, asks for nothing, and does not decide again on the next sample', async () => {
    const deps = depsFor('shadow');
    deps.containers.containers.get('id-api-1')!.health = 'unhealthy';
    const r = await tick(deps, EMPTY);
    expect(r.heal).toBeNull();
    const [record] = deps.autopilotStore.records.slice(-1);
    expect(record?.decision).toMatchObject({ level: 'shadow', action: 'record', result: 'recorded', reason: 'shadow: would have started restart_unhealthy; nothing done', policy: { rule: 'services.api.strategies.restart_unhealthy', version: 'v1' } });
    expect(record?.incident?.changes).toEqual(['opened', 'decided']);
    const again = await tick(deps, r.state, 2);
    expect(again.heal).toBeNull();
    expect(deps.autopilotStore.records.filter((x) => x.decision)).toHaveLength(1);
  });

  it('an unreadable engine is a blind sample: recorded, never an incident, never a heal; seeing again ends it', async () => {
    const deps = depsFor('auto');
    deps.containers.containers.get('id-api-1')!.health = 'unhealthy';
    deps.containers.list = async () => {
      throw new Error('connect ENOENT /var/run/docker.sock');
    };
    const r = await tick(deps, EMPTY);
    expect(r).toMatchObject({ watched: true, heal: null, containers: [] });
    expect(r.state.sight).toEqual({ blind: true, reason: 'docker: connect ENOENT /var/run/docker.sock', since: FAKE_NOW });
    expect(r.state.memory).toEqual(EMPTY.memory);
    expect(deps.autopilotStore.records).toEqual([expect.objectContaining({ sight: { blind: true, reason: 'docker: connect ENOENT /var/run/docker.sock', since: FAKE_NOW, key: 'watch-api:r1:1:sight' }, incident: null, decision: null })]);
    expect((deps.analysisStore as ReturnType<typeof memoryAnalysisStore>).ids).toEqual([]);
  });

  it('a service with no managed container is blind, not healthy', async () => {
    const deps = depsFor('auto', [container({ name: 'api-x', service: 'api', labels: { 'selfheal.service': 'api' } })]);
    const r = await tick(deps, EMPTY);
    expect(r.state.sight).toMatchObject({ blind: true, reason: 'docker: no managed container of api (selfheal.service=api)' });
  });

  describe('Prometheus targets', () => {
    let exporter: MetricsExporter;
    let waiting = 0.1;
    let requests = 0;
    let answer: ExporterAnswer | null = null;
    beforeAll(async () => {
      exporter = await startMetricsExporter(() => answer ?? `# TYPE jobs_waiting gauge\njobs_waiting ${waiting}\n# TYPE requests_total counter\nrequests_total ${requests}\nignored 1\n`);
    });
    afterAll(() => exporter.close());

    /** A service with only a scrape target (no container), sampled every 10 s from FAKE_NOW. */
    function scraped(level = 'auto'): FakeDeps {
      const url = `${exporter.origin}/metrics`;
      const policy = parseAutopilotPolicy(`services:\n  api:\n    default: ${level}\n    scrape: [{url: "${url}", metrics: [jobs_waiting, requests_total]}]\n`, { path: 'p.yaml', version: 'v1' }, strategyNames());
      let clock = FAKE_NOW;
      return fakeDeps({ containers: new FakeContainerRuntime([]), analysisStore: memoryAnalysisStore(), autopilotPolicy: policy, now: () => (clock += 10_000) }, { VERIFY_HTTP_ALLOWLIST: `${exporter.origin}/` });
    }

    it('a service without containers is watched through its target: gauges, counters as rates, an anomaly opens its incident', async () => {
      const deps = scraped();
      const store = deps.analysisStore as ReturnType<typeof memoryAnalysisStore>;
      waiting = 0.1;
      requests = 0;
      let r = await tick(deps, EMPTY);
      expect(r.state.sight).toMatchObject({ blind: false });
      expect(store.metrics[0]).toEqual({ jobs_waiting: 0.1 });
      for (let n = 2; n <= 30; n++) {
        waiting = 0.1 + (n % 3) * 0.005;
        requests += 50;
        r = await tick(deps, r.state, n);
        expect(r.state.memory.incident).toBeNull();
      }
      expect(store.metrics.at(-1)).toEqual({ jobs_waiting: waiting, requests_total: 5 });
      waiting = 3;
      requests += 50;
      r = await tick(deps, r.state, 31);
      expect(r.anomalies).toEqual(['jobs_waiting']);
      expect(r.state.memory.incident).toMatchObject({ status: 'open', troubles: expect.arrayContaining(['metric:jobs_waiting']) });
    });

    it.each([
      [{ status: 503, body: 'down' }, 'HTTP 503'],
      ['<html>', 'unparsable: line 1: expected a metric name'],
    ] as const)('a target that cannot be read (%j) makes the service blind, naming the target, and analyses nothing', async (broken, why) => {
      const deps = scraped();
      answer = broken;
      try {
        const r = await tick(deps, EMPTY);
        expect(r.state.sight).toMatchObject({ blind: true, reason: `scrape ${exporter.origin}/metrics: ${why}` });
        expect(r.state.memory).toEqual(EMPTY.memory);
        expect((deps.analysisStore as ReturnType<typeof memoryAnalysisStore>).ids).toEqual([]);
      } finally {
        answer = null;
      }
    });

    it('a target no longer under the allowlist is blind at sampling too', async () => {
      const deps = { ...scraped(), config: loadConfig({ VERIFY_HTTP_ALLOWLIST: 'http://127.0.0.1:1/' }) };
      const r = await tick(deps, EMPTY);
      expect(r.state.sight).toMatchObject({ blind: true, reason: `scrape ${exporter.origin}/metrics: not under a VERIFY_HTTP_ALLOWLIST prefix` });
      expect(exporter.requests).toBeGreaterThan(0);
    });
  });

  it('a service the policy no longer names (or no policy) ends the watch', async () => {
    expect((await tick(depsFor(null), EMPTY)).watched).toBe(false);
  });

  it('suggest: records the offer (a /heal body) with the decision and announces it; nothing is started', async () => {
    const deps = depsFor('suggest', [container({ name: 'api-1', service: 'api' })]);
    deps.containers.containers.get('id-api-1')!.health = 'unhealthy';
    const r = await tick(deps, EMPTY);
    expect(r.heal).toBeNull();
    const decision = deps.autopilotStore.records.at(-1)?.decision;
    expect(decision).toMatchObject({ level: 'suggest', action: 'record', result: 'recorded' });
    expect(JSON.parse(decision?.offer ?? 'null')).toEqual({
      service: 'api',
      issue: { diagnosis: expect.objectContaining({ issue_type: 'crash_loop' }) },
      context: { services: ['api'], containers: ['api-1'] },
      strategy: 'restart_unhealthy',
      dry_run: false,
      skip_if_healthy: true,
    });
    expect(r.notices?.map((n) => [n.type, n.id])).toEqual([
      ['incident.opened', 'incident:watch-api:r1:1:opened'],
      ['heal.suggested', 'incident:watch-api:r1:1:1:suggested'],
    ]);
  });

  it('follows the policy in force, not the file: a service the live policy drops ends its watch, a level it changes applies', async () => {
    const deps = depsFor('auto');
    deps.containers.containers.get('id-api-1')!.health = 'unhealthy';
    let live = parseAutopilotPolicy('services:\n  api:\n    strategies:\n      restart_unhealthy: shadow\n', { path: 'api', version: 'v2' }, strategyNames());
    deps.autopilotPolicies = { current: async () => live };
    const r = await tick(deps, EMPTY);
    expect(r.heal).toBeNull();
    expect(deps.autopilotStore.records.at(-1)?.decision).toMatchObject({ level: 'shadow', policy: { version: 'v2', source: 'api' } });
    live = parseAutopilotPolicy('services:\n  billing: {}\n', { path: 'api', version: 'v3' }, strategyNames());
    expect((await tick(deps, r.state, 2)).watched).toBe(false);
  });

  it('checks a fresh read before ending the watch of a service the cached policy does not name yet (just added)', async () => {
    const deps = depsFor('auto');
    const stale = parseAutopilotPolicy('services:\n  billing: {}\n', { path: 'api', version: 'v1' }, strategyNames());
    const fresh = parseAutopilotPolicy('services:\n  billing: {}\n  api: {}\n', { path: 'api', version: 'v2' }, strategyNames());
    const asked: boolean[] = [];
    deps.autopilotPolicies = { current: async (o) => (asked.push(o?.fresh === true), o?.fresh ? fresh : stale) };
    expect((await tick(deps, EMPTY)).watched).toBe(true);
    expect(asked).toEqual([false, true]);
  });
});

describe('settleHeal', () => {
  it("records the heal's start with its decision and link, and its end into the incident", async () => {
    const deps = depsFor('auto');
    deps.containers.containers.get('id-api-1')!.health = 'unhealthy';
    const opened = await tick(deps, EMPTY);
    const activities = createAutopilotActivities(deps);
    const heal = { workflowId: 'heal-api', attemptId: 'run-9', strategy: 'restart_unhealthy' };
    const started: HealEvent = { kind: 'started', decision: opened.heal!.decision, heal };
    const afterStart = (await env.run(activities.settleHeal, { service: 'api', state: opened.state, event: started })) as WatchState;
    expect(afterStart.memory.incident).toMatchObject({ status: 'mitigating', attempts: 1, inFlight: heal });
    expect(deps.autopilotStore.records.at(-1)).toMatchObject({ decision: { result: 'started heal-api', level: 'auto' }, heal: { attemptId: 'run-9', workflowId: 'heal-api' }, incident: { changes: ['heal_started'] } });
    const finished: HealEvent = { kind: 'finished', attemptId: 'run-9', outcome: 'verified' };
    const afterEnd = (await env.run(activities.settleHeal, { service: 'api', state: afterStart, event: finished })) as WatchState;
    expect(afterEnd.memory.incident).toMatchObject({ status: 'mitigating', inFlight: null, lastOutcome: 'verified' });
    expect(deps.autopilotStore.records.at(-1)?.incident?.changes).toEqual(['heal_finished']);
  });

  it('announces the approval an approve heal waits for, and a last failed attempt with its escalation', async () => {
    const deps = depsFor('approve', [container({ name: 'api-1', service: 'api' })]);
    deps.containers.containers.get('id-api-1')!.health = 'unhealthy';
    const opened = await tick(deps, EMPTY);
    const activities = createAutopilotActivities(deps);
    const settle = async (state: WatchState, event: HealEvent) => (await env.run(activities.settleHeal, { service: 'api', state, event })) as SettledHeal;
    let state: WatchState = opened.state;
    for (const [attempt, outcome] of [['run-1', 'rolled_back'], ['run-2', 'failed']] as const) {
      const heal = { workflowId: 'heal-api', attemptId: attempt, strategy: 'restart_unhealthy' };
      const { notices: asked, ...started } = await settle(state, { kind: 'started', decision: { ...opened.heal!.decision, id: `${opened.heal!.decision.id}:${attempt}` }, heal });
      expect(asked?.map((n) => [n.type, n.heal?.attemptId])).toEqual([['heal.approval_needed', attempt]]);
      const { notices: told, ...finished } = await settle(started, { kind: 'finished', attemptId: attempt, outcome });
      state = finished;
      told?.forEach((n) => expect(n.heal).toEqual({ ...heal, outcome }));
      expect(told?.map((n) => n.type)).toEqual(attempt === 'run-1' ? ['heal.rolled_back'] : ['heal.failed', 'incident.escalated']);
    }
    expect(state.memory.incident).toMatchObject({ status: 'escalated', attempts: 2 });
  });
});

describe('notify', () => {
  const SECRET = 'a-webhook-secret-of-at-least-32-characters';
  let receiver: WebhookReceiver;
  beforeAll(async () => (receiver = await startWebhookReceiver(SECRET)));
  afterAll(async () => receiver.close());

  const opened = (): Notice => {
    const incident = { id: 'incident:watch-api:r1:1', service: 'api', status: 'open' as const, openedAt: FAKE_NOW, updatedAt: FAKE_NOW, closedAt: null, escalatedAt: null, escalation: null, troubles: ['container:api-1:unhealthy'], cleanStreak: 0, attempts: 0, inFlight: null, lastOutcome: null, needsDecision: true };
    return tickNotices(incident, ['opened'], FAKE_NOW)[0]!;
  };
  const notifyWith = (env2: Record<string, string>) => {
    // Signed with the real clock: the receiver checks the timestamp's age against its own.
    const deps = fakeDeps({ now: () => Date.now() }, { WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOWLIST: receiver.prefix, ...env2 });
    return (notice: Notice) => env.run(createAutopilotActivities(deps).notify, notice);
  };

  it('does nothing without webhooks', async () => {
    expect(await env.run(createAutopilotActivities(fakeDeps()).notify, opened())).toEqual({ delivered: 0 });
  });

  it('delivers the generic and the Slack payload, each signed and accepted by the receiver', async () => {
    const notify = notifyWith({ WEBHOOK_URLS: `${receiver.url('generic')},slack=${receiver.url('slack')}` });
    expect(await notify(opened())).toEqual({ delivered: 2 });
    const generic = await receiver.waitFor((d) => d.path === '/hooks/generic', 'generic');
    const slack = await receiver.waitFor((d) => d.path === '/hooks/slack', 'slack');
    expect(generic).toMatchObject({ delivery: 'incident:watch-api:r1:1:opened', body: { id: 'incident:watch-api:r1:1:opened', type: 'incident.opened', service: 'api', incident: { troubles: ['container:api-1:unhealthy'] } } });
    expect(slack.body).toMatchObject({ text: 'Incident opened on api: container:api-1:unhealthy', blocks: expect.any(Array) });
  });

  it('fails for Temporal to retry when a receiver errs or is overloaded, and for good when it refuses', async () => {
    const notify = notifyWith({ WEBHOOK_URLS: receiver.url('generic') });
    const failure = async (notice: Notice) => {
      const err = await notify(notice).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      return err as ApplicationFailure;
    };
    receiver.failNext(1, 503);
    expect(await failure(opened())).toMatchObject({ type: 'WebhookFailed', nonRetryable: false, message: `incident.opened incident:watch-api:r1:1:opened not delivered: webhook 1 (generic, ${new URL(receiver.prefix).origin}): HTTP 503` });
    receiver.failNext(1, 429);
    expect((await failure(opened())).nonRetryable).toBe(false);
    receiver.failNext(1, 400);
    expect((await failure(opened())).nonRetryable).toBe(true);
    // A bad signature is refused by the receiver (401): not retried either.
    const wrong = fakeDeps({ now: () => Date.now() }, { WEBHOOK_SECRET: 'another-secret-of-at-least-32-characters', WEBHOOK_ALLOWLIST: receiver.prefix, WEBHOOK_URLS: receiver.url('generic') });
    const refused = await env.run(createAutopilotActivities(wrong).notify, opened()).then(() => null, (e: unknown) => e as ApplicationFailure);
    expect(refused).toMatchObject({ nonRetryable: true });
    expect(refused?.message).toContain('HTTP 401');
    expect(receiver.refused.at(-1)?.reason).toBe('signature mismatch');
  });
});

describe('pushed metrics (a service the policy marks push)', () => {
  /** A service with no container, fed only by pushes, sampled every 2 s (the default interval) from FAKE_NOW. */
  function pushOnly(): FakeDeps & { clock: { now: number } } {
    const policy = parseAutopilotPolicy('services:\n  api:\n    default: auto\n    push: true\n', { path: 'p.yaml', version: 'v1' }, strategyNames());
    const clock = { now: FAKE_NOW };
    return { ...fakeDeps({ containers: new FakeContainerRuntime([]), analysisStore: memoryAnalysisStore(), autopilotPolicy: policy, now: () => clock.now }), clock };
  }
  const pushed = (deps: FakeDeps, n: number, metrics: Record<string, number>, at = FAKE_NOW + n) =>
    deps.pushedMetrics.storeBatch([{ key: `api:${n}`, service: 'api', at, metrics }], at);

  it('takes the pending samples, analyses the newest value of each series as named, and an anomaly opens the incident', async () => {
    const deps = pushOnly();
    const store = deps.analysisStore as ReturnType<typeof memoryAnalysisStore>;
    await pushed(deps, 1, { error_rate: 0.5, queue_depth: 3 }, FAKE_NOW - 2000);
    await pushed(deps, 2, { error_rate: 0.01 }, FAKE_NOW - 1000);
    let r = await tick(deps, EMPTY);
    expect(store.metrics).toEqual([{ error_rate: 0.01, queue_depth: 3 }]);
    expect(r.state.sight).toMatchObject({ blind: false });
    expect(r.state.memory.incident).toBeNull();
    await pushed(deps, 3, { error_rate: 0.9 });
    deps.clock.now += 2000;
    r = await tick(deps, r.state, 2);
    expect(r.anomalies).toEqual(['error_rate']);
    expect(r.state.memory.incident).toMatchObject({ status: 'open', troubles: ['metric:error_rate'] });
    expect(store.ids).toEqual(['watch-api:r1:1', 'watch-api:r1:2']);
  });

  it('a retried sample takes the same samples, none of a later push; the next sample takes that one', async () => {
    const deps = pushOnly();
    const store = deps.analysisStore as ReturnType<typeof memoryAnalysisStore>;
    await pushed(deps, 1, { error_rate: 0.01 });
    await tick(deps, EMPTY);
    await pushed(deps, 2, { error_rate: 0.02 });
    await tick(deps, EMPTY);
    expect(store.metrics).toEqual([{ error_rate: 0.01 }, { error_rate: 0.01 }]);
    await tick(deps, EMPTY, 2);
    expect(store.metrics.at(-1)).toEqual({ error_rate: 0.02 });
  });

  it('between two pushes nothing is analysed and the incident stays as it is; silence for more than 5 intervals is blind', async () => {
    const deps = pushOnly();
    const store = deps.analysisStore as ReturnType<typeof memoryAnalysisStore>;
    await pushed(deps, 1, { error_rate: 0.9 });
    let r = await tick(deps, EMPTY);
    expect(r.state.memory.incident).toMatchObject({ status: 'open' });
    for (let n = 2; n <= 6; n++) {
      deps.clock.now += 2000;
      r = await tick(deps, r.state, n);
      // No news is not a clean sample: nothing resolves an incident but samples that show the service well.
      expect(r.state.memory.incident).toMatchObject({ status: 'open', cleanStreak: 0 });
      expect(r.state.sight).toMatchObject({ blind: false });
    }
    expect(store.ids).toHaveLength(1);
    deps.clock.now += 2000;
    r = await tick(deps, r.state, 7);
    expect(r.state.sight).toMatchObject({ blind: true, reason: 'push: no sample pushed for 12s (more than 5 intervals of 2s)' });
    await pushed(deps, 2, { error_rate: 0.01 });
    deps.clock.now += 2000;
    r = await tick(deps, r.state, 8);
    expect(r.state.sight).toMatchObject({ blind: false });
  });

  it('a service not marked push never takes pushed samples', async () => {
    const deps = depsFor('auto');
    await pushed(deps, 1, { error_rate: 0.9 });
    const r = await tick(deps, EMPTY);
    expect(r.state.push).toBeUndefined();
    expect([...deps.pushedMetrics.samples.values()].map((s) => s.takenBy)).toEqual([null]);
  });
});
