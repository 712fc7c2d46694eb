// metric_recheck over the watch's own samples, on the in-memory fakes with the real detector and diagnosis: a memory
// anomaly opens an incident whose heal is verified by the watch's next samples. Back within the baseline for as many
// samples as resolve an incident: verified; still anomalous: not.
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createAutopilotActivities } from '../../../activities/autopilot';
import { createVerificationActivities } from '../../../activities/verification';
import type { AnalysisStore, BaselineStates } from '../../../src/adapters/ports';
import { parseAutopilotPolicy, type WatchState, type WatchTickResult } from '../../../src/domain/autopilot';
import type { VerifierVerdict } from '../../../src/domain/heal';
import { strategyNames } from '../../../src/domain/strategies';
import { fakeDeps, FAKE_NOW, type FakeDeps } from '../../fakes/deps';
import { container, FakeContainerRuntime } from '../../fakes/others';

const env = new MockActivityEnvironment();
const INTERVAL_MS = 2000;
const MB = 1 << 20;

/**
 * The analysis store as Neo4j keeps it, in memory: baselines folded by the real detector, and each analysis kept as
 * the snapshot (metrics and anomalies) that the metric history reads back.
 */
function recordingStore(deps: () => FakeDeps): AnalysisStore {
  let baselines: BaselineStates = {};
  return {
    async analyzeOnce(input, compute) {
      const at = input.at ?? FAKE_NOW;
      const c = compute(baselines, at);
      baselines = c.baselines;
      deps().metricHistory.snapshots.push({ service: input.service, id: input.analysisId, at, metrics: input.metrics, anomalies: c.anomalies.map((a) => ({ metric: a.metric, zscore: a.zscore, severity: a.severity })) });
      return { anomalies: c.anomalies, diagnosis: c.diagnosis, replayed: false, sampleCounts: {}, at, lateMetrics: c.lateMetrics };
    },
    getBaselines: async () => baselines,
  };
}

function watched(): { deps: FakeDeps; clock: { now: number } } {
  const clock = { now: FAKE_NOW };
  const policy = parseAutopilotPolicy('default: auto\nservices:\n  api: {}\n', { path: 'p.yaml', version: 'v1' }, strategyNames());
  const deps: FakeDeps = fakeDeps({
    containers: new FakeContainerRuntime([{ ...container({ name: 'api-1', service: 'api' }), service: 'api' }]),
    analysisStore: recordingStore(() => deps),
    autopilotPolicy: policy,
  });
  deps.now = () => clock.now;
  return { deps, clock };
}

/** A watch of `api` sampling every INTERVAL_MS, and the verifier a heal it started would run. */
function watch() {
  const { deps, clock } = watched();
  const activities = createAutopilotActivities(deps);
  const { verifyHealth } = createVerificationActivities(deps);
  let state: WatchState = { memory: { incident: null, troubledStreak: 0 }, cpu: {}, sight: null };
  let n = 0;
  return {
    clock,
    deps,
    async tick(memoryMb: number): Promise<WatchTickResult> {
      n++;
      clock.now += INTERVAL_MS;
      deps.containers.usage.set('api-1', { cpuShare: 0.01, memoryBytes: memoryMb * MB });
      const r = (await env.run(activities.watchTick, { service: 'api', tickId: `watch-api:r1:${n}`, runId: 'r1', state })) as WatchTickResult;
      state = r.state;
      return r;
    },
    async verify(heal: NonNullable<WatchTickResult['heal']>, actedAt: number): Promise<VerifierVerdict> {
      const verifiers = heal.input.verifyAlso ?? [];
      return (await env.run(verifyHealth, { service: 'api', verifiers, steps: [], healKey: 'a1', sinceMs: actedAt })) as VerifierVerdict;
    },
  };
}

/** A baseline of about 100 MB, then a jump to 900 MB: the detector flags it and the watch asks for a heal. */
async function anomalous(w: ReturnType<typeof watch>) {
  for (let i = 0; i < 30; i++) await w.tick(100 + (i % 3));
  const r = await w.tick(900);
  expect(r.anomalies).toEqual(['mem_share.api-1']);
  expect(r.state.memory.incident?.troubles).toEqual(['metric:mem_share.api-1']);
  expect(r.heal?.input.verifyAlso).toEqual([{ name: 'metric_recheck', params: { metrics: ['mem_share.api-1'], intervals: 3 } }]);
  // The heal acts a moment after the decision; only samples after that count.
  return { heal: r.heal!, actedAt: w.clock.now + 1 };
}

describe('metric_recheck over the watch samples', () => {
  it('verified once the flagged metric is back within its baseline for three samples of the watch', async () => {
    const w = watch();
    const { heal, actedAt } = await anomalous(w);
    expect(await w.verify(heal, actedAt)).toEqual({ healthy: false, evidence: ['metric_recheck: 0/3 fresh analyses of mem_share.api-1 so far'] });
    await w.tick(101);
    await w.tick(100);
    expect((await w.verify(heal, actedAt)).healthy).toBe(false);
    await w.tick(102);
    expect(await w.verify(heal, actedAt)).toEqual({ healthy: true, evidence: ['metric_recheck: mem_share.api-1 within 2σ for 3 interval(s)'] });
  });

  it('not verified while the watch still sees the metric beyond its baseline', async () => {
    const w = watch();
    const { heal, actedAt } = await anomalous(w);
    for (let i = 0; i < 3; i++) await w.tick(900);
    const verdict = await w.verify(heal, actedAt);
    expect(verdict.healthy).toBe(false);
    expect(verdict.evidence[0]).toMatch(/^metric_recheck: mem_share\.api-1 at \d+\.\dσ/);
  });

  it('an incident with no flagged metric adds nothing to the strategy default verifiers', async () => {
    const w = watch();
    for (let i = 0; i < 3; i++) await w.tick(100);
    w.deps.containers.containers.get('id-api-1')!.health = 'unhealthy';
    const r = await w.tick(100);
    expect(r.state.memory.incident?.troubles).toEqual(['container:api-1:unhealthy']);
    expect(r.heal?.input.strategy).toBe('restart_unhealthy');
    expect(r.heal?.input.verifyAlso).toBeUndefined();
  });
});
