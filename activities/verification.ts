// verifyHealth: one check of the named server-side verifiers. The workflow repeats it with timers until the
// verdict holds long enough or the checks run out. This only observes; the verdicts are the domain's
// (src/domain/verifiers.ts), and what container_health looks at is each step's handler's (src/domain/actions/).
import { log } from '@temporalio/activity';
import type { PlanStep, VerifierSpec, VerifierVerdict } from '../src/domain/heal';
import {
  allOf,
  anyOf,
  containerHealthVerdict,
  httpProbeRefused,
  httpProbeVerdict,
  metricRecheckVerdict,
  urlAllowed,
  verificationTargets,
  type ObservedContainer,
} from '../src/domain/verifiers';
import type { ActivityDeps } from './deps';

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
  async function observeContainers(input: VerifyInput): Promise<ObservedContainer[]> {
    const found: ObservedContainer[] = [];
    for (const target of verificationTargets(input.steps, input.healKey, input.sinceMs !== null)) {
      if (target.kind === 'container') {
        found.push((await deps.containers.inspect(target.ref)) ?? { id: target.label, missing: true });
      } else {
        const containers = await deps.containers.list({ labels: target.labels });
        found.push(...containers);
        // One removed since it was added is a failed verification, not one fewer container to check.
        for (let i = containers.length; i < target.expected; i++) found.push({ id: target.label, missing: true });
      }
    }
    return found;
  }

  async function check(input: VerifyInput, spec: VerifierSpec): Promise<VerifierVerdict> {
    switch (spec.name) {
      case 'container_health':
        return containerHealthVerdict(await observeContainers(input));
      case 'http_probe': {
        const { url, expect_status = 200, timeout_ms = 2000 } = spec.params;
        if (!urlAllowed(url, deps.config.heal.verifyHttpAllowlist)) return httpProbeRefused(url);
        return httpProbeVerdict(url, await deps.http.get(url, timeout_ms), expect_status);
      }
      case 'metric_recheck': {
        const { metrics, k = deps.config.detection.mediumZ, intervals = 1 } = spec.params;
        const since = input.sinceMs ?? deps.now() - PRECHECK_WINDOW_MS;
        return metricRecheckVerdict(await deps.metricHistory.recentSnapshots(input.service, since, intervals), metrics, k, intervals);
      }
      case 'all':
        return allOf(await Promise.all(spec.params.verifiers.map((v) => check(input, v))));
      case 'any':
        return anyOf(await Promise.all(spec.params.verifiers.map((v) => check(input, v))));
    }
  }

  return {
    async verifyHealth(input: VerifyInput): Promise<VerifierVerdict> {
      const verdict = allOf(await Promise.all(input.verifiers.map((v) => check(input, v))));
      log.info(input.sinceMs === null ? 'heal pre-check' : 'heal verification check', { service: input.service, healthy: verdict.healthy, evidence: verdict.evidence });
      return verdict;
    },
  };
}
