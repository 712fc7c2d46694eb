// verifyHealth: one check of the named server-side verifiers. The workflow repeats it with timers until the
// verdict holds long enough or the checks run out.
import type { ContainerInfo } from '../src/adapters/ports';
import type { PlanStep, VerifierSpec, VerifierVerdict } from '../src/domain/heal';
import { allOf, anyOf, urlAllowed } from '../src/domain/verifiers';
import type { ActivityDeps } from './deps';
import { replicaKey } from './remediation';

interface VerifyInput {
  service: string;
  verifiers: VerifierSpec[];
  steps: PlanStep[];
  healKey: string;
  /** Epoch ms the actions finished; null for the pre-check before acting. */
  sinceMs: number | null;
}

const PRECHECK_WINDOW_MS = 5 * 60_000;

export function createVerificationActivities(deps: ActivityDeps) {
  async function touchedContainers(input: VerifyInput): Promise<(ContainerInfo | { id: string; missing: true })[]> {
    const found: (ContainerInfo | { id: string; missing: true })[] = [];
    for (const step of input.steps) {
      if (step.target.kind === 'container') {
        found.push((await deps.containers.inspect(step.target.id)) ?? { id: step.target.name ?? step.target.id, missing: true });
      } else if (step.action === 'scale_up' && input.sinceMs !== null) {
        const key = replicaKey(input.healKey, step);
        const replicas = await deps.containers.list({ labels: { 'selfheal.heal': key } });
        found.push(...replicas);
        // A replica removed since it was added is a failed verification, not one fewer container to check.
        const missing = (step.params.replicas ?? 1) - replicas.length;
        for (let i = 0; i < missing; i++) found.push({ id: `a replica of ${step.target.id} (${key})`, missing: true });
      }
    }
    return found;
  }

  async function containerHealth(input: VerifyInput): Promise<VerifierVerdict> {
    const containers = await touchedContainers(input);
    if (containers.length === 0) return { healthy: false, evidence: ['container_health: no container to check yet'] };
    const evidence = containers.map((c) =>
      'missing' in c ? `${c.id} is gone` : `${c.name} ${c.state}, health ${c.health}`,
    );
    const healthy = containers.every((c) => !('missing' in c) && c.state === 'running' && (c.health === 'healthy' || c.health === 'none'));
    return { healthy, evidence: [`container_health: ${evidence.join(', ')}`] };
  }

  async function httpProbe(spec: Extract<VerifierSpec, { name: 'http_probe' }>): Promise<VerifierVerdict> {
    const { url, expect_status = 200, timeout_ms = 2000 } = spec.params;
    if (!urlAllowed(url, deps.config.heal.verifyHttpAllowlist)) return { healthy: false, evidence: [`http_probe: ${url} is not allowlisted`] };
    const r = await deps.http.get(url, timeout_ms);
    return { healthy: r.status === expect_status, evidence: [`http_probe ${url}: ${r.error ?? r.status} (want ${expect_status})`] };
  }

  async function metricRecheck(input: VerifyInput, spec: Extract<VerifierSpec, { name: 'metric_recheck' }>): Promise<VerifierVerdict> {
    const { metrics, k = deps.config.detection.mediumZ, intervals = 1 } = spec.params;
    const since = input.sinceMs ?? deps.now() - PRECHECK_WINDOW_MS;
    const snapshots = (await deps.metricHistory.recentSnapshots(input.service, since, intervals)).filter((s) =>
      metrics.some((m) => m in s.metrics),
    );
    if (snapshots.length < intervals) {
      return { healthy: false, evidence: [`metric_recheck: ${snapshots.length}/${intervals} fresh analyses of ${metrics.join(', ')} so far`] };
    }
    const outliers = snapshots.flatMap((s) => s.anomalies.filter((a) => metrics.includes(a.metric) && Math.abs(a.zscore) >= k));
    return {
      healthy: outliers.length === 0,
      evidence: [
        outliers.length === 0
          ? `metric_recheck: ${metrics.join(', ')} within ${k}σ for ${intervals} interval(s)`
          : `metric_recheck: ${outliers.map((a) => `${a.metric} at ${a.zscore.toFixed(1)}σ`).join(', ')}`,
      ],
    };
  }

  async function check(input: VerifyInput, spec: VerifierSpec): Promise<VerifierVerdict> {
    switch (spec.name) {
      case 'container_health':
        return containerHealth(input);
      case 'http_probe':
        return httpProbe(spec);
      case 'metric_recheck':
        return metricRecheck(input, spec);
      case 'all':
        return allOf(await Promise.all(spec.params.verifiers.map((v) => check(input, v))));
      case 'any':
        return anyOf(await Promise.all(spec.params.verifiers.map((v) => check(input, v))));
    }
  }

  return {
    async verifyHealth(input: VerifyInput): Promise<VerifierVerdict> {
      return allOf(await Promise.all(input.verifiers.map((v) => check(input, v))));
    },
  };
}
