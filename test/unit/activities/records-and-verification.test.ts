// recordHeal, publishEvents and verifyHealth in a MockActivityEnvironment on the in-memory fakes.
import { describe, expect, it } from 'vitest';
import { createRecordActivities } from '../../../activities/records';
import { createVerificationActivities } from '../../../activities/verification';
import type { HealAttemptRecord, HealStepRecord } from '../../../src/adapters/ports';
import type { EventEnvelope } from '../../../src/domain/events';
import type { PlanStep, VerifierSpec, VerifierVerdict } from '../../../src/domain/heal';
import { fakeDeps, FAKE_NOW, type FakeDeps } from '../../fakes/deps';
import { container, FakeContainerRuntime } from '../../fakes/others';
import { input } from '../../helpers/heal-stubs';
import { recordingActivityEnv } from '../../helpers/activity-env';

const { env, entries } = recordingActivityEnv();

function attempt(over: Partial<HealAttemptRecord> = {}): HealAttemptRecord {
  return {
    id: 'a1',
    at: 0,
    workflowId: 'heal-svc',
    runId: 'a1',
    service: 'svc',
    strategy: 'scale_service',
    dryRun: false,
    applied: true,
    verified: false,
    outcome: 'running',
    issueType: 'degradation',
    rootCause: 'r',
    actor: 'tester',
    requestId: 'req',
    diagnosis: input().diagnosis,
    plan: null,
    reasons: [],
    finishedAt: null,
    ...over,
  };
}

const step = (seq: number, id = `a1:${seq}`): HealStepRecord => ({ id, attemptId: 'a1', seq, step: 'planned', status: 'ok', detail: '', data: {}, at: 0 });

async function record(deps: FakeDeps, a: HealAttemptRecord, steps: HealStepRecord[] = []) {
  return (await env.run(createRecordActivities(deps).recordHeal, { attempt: a, steps })) as { at: number; seqs: number[] };
}

describe('recordHeal', () => {
  it('stamps the attempt and its steps with the time of the first write, and returns the stored seqs', async () => {
    let now = FAKE_NOW;
    const deps = fakeDeps({ now: () => now });
    expect(await record(deps, attempt(), [step(1), step(2)])).toEqual({ at: FAKE_NOW, seqs: [1, 2] });
    now += 5000;
    // The workflow passes the first stamp back (at: 0 only before it); a retried step keeps its seq and stamp.
    expect(await record(deps, attempt({ at: FAKE_NOW }), [step(2)])).toEqual({ at: FAKE_NOW + 5000, seqs: [2] });
    expect(deps.auditStore.attempts.get('a1')?.at).toBe(FAKE_NOW);
    expect(deps.auditStore.steps.get('a1')?.map((s) => [s.seq, s.at])).toEqual([
      [1, FAKE_NOW],
      [2, FAKE_NOW],
    ]);
  });

  it('makes a learning outcome of a finished, applied heal only', async () => {
    const deps = fakeDeps();
    await record(deps, attempt({ id: 'running' }));
    await record(deps, attempt({ id: 'dry', dryRun: true, outcome: 'planned', finishedAt: 1 }));
    await record(deps, attempt({ id: 'refused', applied: false, outcome: 'refused', finishedAt: 1 }));
    await record(deps, attempt({ id: 'cancelled', outcome: 'cancelled', finishedAt: 1 }));
    await record(deps, attempt({ id: 'ok', outcome: 'verified', verified: true, finishedAt: 1 }));
    await record(deps, attempt({ id: 'bad', outcome: 'rolled_back', finishedAt: 1 }));
    expect((await deps.learningStore.outcomes()).map((o) => [o.attemptId, o.success])).toEqual([
      ['bad', false],
      ['ok', true],
    ]);
  });
});

describe('publishEvents', () => {
  it('hands the events to the publisher', async () => {
    const deps = fakeDeps();
    const event: EventEnvelope = { id: 'a1:1', type: 'heal', version: 1, at: new Date(FAKE_NOW).toISOString(), workflowId: 'heal-svc', runId: 'a1', service: 'svc', step: 'planned', data: {} };
    await env.run(createRecordActivities(deps).publishEvents, [event]);
    expect(deps.publisher.published).toEqual([event]);
  });
});

describe('recordAndPublishHeal', () => {
  const expected = (seq: number): EventEnvelope => ({ id: `a1:${seq}`, type: 'heal', version: 1, at: new Date(0).toISOString(), workflowId: 'heal-svc', runId: 'a1', service: 'svc', step: 'planned', data: { seq, status: 'ok' } });

  it('records first, then publishes the events with the stored seqs and the write\'s time', async () => {
    const deps = fakeDeps();
    await record(deps, attempt(), [step(1), step(2)]);
    // A reset run numbers its steps from 1 again: the store puts a taken seq after the first run's, and its event follows.
    const reply = (await env.run(createRecordActivities(deps).recordAndPublishHeal, {
      attempt: attempt({ at: FAKE_NOW, outcome: 'planned', finishedAt: 0 }),
      steps: [step(1, 'reset:1'), step(9, 'reset:9')],
      events: [expected(1), expected(9)],
    })) as { at: number; seqs: number[] };
    expect(reply).toEqual({ at: FAKE_NOW, seqs: [3, 9] });
    expect(deps.auditStore.steps.get('a1')?.map((s) => s.seq)).toEqual([1, 2, 3, 9]);
    expect(deps.publisher.published).toEqual([3, 9].map((seq) => ({ ...expected(seq), at: new Date(FAKE_NOW).toISOString() })));
  });
});

describe('verifyHealth', () => {
  const restartStep: PlanStep = {
    index: 0,
    action: 'restart_container',
    target: { kind: 'container', id: 'id-web-1', name: 'web-1' },
    params: {},
    expected_effect: 'restart web-1',
    rollback: { action: null, description: 'none needed' },
  };
  const scaleStep: PlanStep = {
    index: 0,
    action: 'scale_up',
    target: { kind: 'service', id: 'svc' },
    params: { template: 'id-web-1', replicas: 2 },
    expected_effect: 'add 2 replicas',
    rollback: { action: 'remove_replicas', description: 'remove them' },
  };

  async function verify(deps: FakeDeps, verifiers: VerifierSpec[], steps: PlanStep[], sinceMs: number | null = FAKE_NOW) {
    return (await env.run(createVerificationActivities(deps).verifyHealth, { service: 'svc', verifiers, steps, healKey: 'a1', sinceMs })) as VerifierVerdict;
  }

  it('container_health: healthy only when every touched container runs healthy', async () => {
    const containers = new FakeContainerRuntime([container({ name: 'web-1', service: 'svc', health: 'unhealthy' })]);
    const deps = fakeDeps({ containers });
    expect(await verify(deps, [{ name: 'container_health' }], [restartStep])).toEqual({ healthy: false, evidence: ['container_health: web-1 running, health unhealthy'] });
    containers.containers.get('id-web-1')!.health = 'healthy';
    expect((await verify(deps, [{ name: 'container_health' }], [restartStep])).healthy).toBe(true);
    containers.containers.clear();
    expect(await verify(deps, [{ name: 'container_health' }], [restartStep])).toEqual({ healthy: false, evidence: ['container_health: web-1 is gone'] });
  });

  it('logs each verdict with its evidence', async () => {
    const deps = fakeDeps({ containers: new FakeContainerRuntime([container({ name: 'web-1', service: 'svc', health: 'unhealthy' })]) });
    entries.length = 0;
    await verify(deps, [{ name: 'container_health' }], [restartStep], null);
    await verify(deps, [{ name: 'container_health' }], [restartStep]);
    expect(entries.filter((e) => e.message.startsWith('heal ')).map((e) => [e.message, e.meta?.['healthy'], e.meta?.['evidence']])).toEqual([
      ['heal pre-check', false, ['container_health: web-1 running, health unhealthy']],
      ['heal verification check', false, ['container_health: web-1 running, health unhealthy']],
    ]);
  });

  it('container_health after a scale-up: a replica that went missing fails the check', async () => {
    const containers = new FakeContainerRuntime([container({ name: 'web-1', service: 'svc' })]);
    const deps = fakeDeps({ containers });
    await containers.ensureReplicas('id-web-1', 'a1-0', 2);
    expect((await verify(deps, [{ name: 'container_health' }], [scaleStep])).healthy).toBe(true);
    const [first] = await containers.list({ labels: { 'selfheal.heal': 'a1-0' } });
    containers.containers.delete(first!.id);
    const verdict = await verify(deps, [{ name: 'container_health' }], [scaleStep]);
    expect(verdict.healthy).toBe(false);
    expect(verdict.evidence[0]).toContain('a replica of svc (a1-0) is gone');
  });

  it('http_probe asks only allowlisted URLs and wants the expected status', async () => {
    const deps = fakeDeps();
    const url = 'http://probe.test/health/svc';
    deps.http.statuses.set(url, 503);
    expect(await verify(deps, [{ name: 'http_probe', params: { url } }], [])).toEqual({ healthy: false, evidence: [`http_probe ${url}: 503 (want 200)`] });
    expect((await verify(deps, [{ name: 'http_probe', params: { url, expect_status: 503 } }], [])).healthy).toBe(true);
    expect(await verify(deps, [{ name: 'http_probe', params: { url: 'http://elsewhere.test/' } }], [])).toEqual({ healthy: false, evidence: ['http_probe: http://elsewhere.test/ is not allowlisted'] });
    expect(deps.http.asked).toEqual([url, url]);
  });

  it('metric_recheck needs enough fresh analyses, all within k sigma', async () => {
    const deps = fakeDeps();
    const spec: VerifierSpec = { name: 'metric_recheck', params: { metrics: ['error_rate'], k: 3, intervals: 2 } };
    const snapshot = (at: number, zscore: number) => ({ service: 'svc', id: `s${at}`, at, metrics: { error_rate: 0.01 }, anomalies: zscore ? [{ metric: 'error_rate', zscore, severity: 'high' }] : [] });
    deps.metricHistory.snapshots.push(snapshot(FAKE_NOW - 1000, 0), snapshot(FAKE_NOW + 1000, 0));
    expect((await verify(deps, [spec], []))).toEqual({ healthy: false, evidence: ['metric_recheck: 1/2 fresh analyses of error_rate so far'] });
    deps.metricHistory.snapshots.push(snapshot(FAKE_NOW + 2000, 4.2));
    expect(await verify(deps, [spec], [])).toEqual({ healthy: false, evidence: ['metric_recheck: error_rate at 4.2σ'] });
    deps.metricHistory.snapshots.push(snapshot(FAKE_NOW + 3000, 0), snapshot(FAKE_NOW + 4000, 1.5));
    expect((await verify(deps, [spec], [])).healthy).toBe(true);
  });
});
