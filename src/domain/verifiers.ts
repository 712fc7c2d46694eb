// Rules for the named verifiers: which ones exist, their parameters, the HTTP allowlist (an SSRF guard), what each
// observes, and the verdicts: what the observations mean and how verdicts combine. The observing is I/O and lives in
// activities/verification.ts.
import { handlerFor, type ObservedTarget } from './actions';
import type { PlanStep, VerifierSpec, VerifierVerdict } from './heal';
import type { ContainerInfo } from './observations';

export const VERIFIER_NAMES = ['container_health', 'http_probe', 'metric_recheck', 'all', 'any'] as const;
const MAX_DEPTH = 3;

/** True when `raw` is an http(s) URL under one of the allowlisted prefixes (same origin, path below the prefix). */
export function urlAllowed(raw: string, allowlist: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.username || url.password) return false;
  return allowlist.some((entry) => {
    let allowed: URL;
    try {
      allowed = new URL(entry);
    } catch {
      return false;
    }
    if (allowed.origin !== url.origin) return false;
    const prefix = allowed.pathname;
    return url.pathname === prefix || url.pathname.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
  });
}

/** What is wrong with a verifier spec, in words a client can act on; empty when it is fine. */
export function verifierProblems(spec: VerifierSpec, allowlist: string[], depth = 0): string[] {
  switch (spec.name) {
    case 'container_health':
      return [];
    case 'http_probe':
      return urlAllowed(spec.params.url, allowlist)
        ? []
        : [`http_probe url ${JSON.stringify(spec.params.url)} is not under an allowed prefix (${allowlist.join(', ') || 'none configured'})`];
    case 'metric_recheck':
      return spec.params.metrics.length === 0 ? ['metric_recheck needs at least one metric'] : [];
    case 'all':
    case 'any':
      if (depth >= MAX_DEPTH) return [`${spec.name}: verifiers nest at most ${MAX_DEPTH} deep`];
      if (spec.params.verifiers.length === 0) return [`${spec.name} needs at least one verifier`];
      return spec.params.verifiers.flatMap((v) => verifierProblems(v, allowlist, depth + 1));
    default:
      return [`unknown verifier ${JSON.stringify((spec as { name: unknown }).name)}`];
  }
}

export function allOf(verdicts: VerifierVerdict[]): VerifierVerdict {
  return { healthy: verdicts.every((v) => v.healthy), evidence: verdicts.flatMap((v) => v.evidence) };
}

export function anyOf(verdicts: VerifierVerdict[]): VerifierVerdict {
  return { healthy: verdicts.some((v) => v.healthy), evidence: verdicts.flatMap((v) => v.evidence) };
}

// ---------- Verdicts: what the observations mean. The activity (activities/verification.ts) only observes. ----------

/** A container a verifier looked at, or the sign that one it expected is gone. */
export type ObservedContainer = ContainerInfo | { id: string; missing: true };

/** What container_health observes: each step's targets, as its kind's handler names them. */
export function verificationTargets(steps: PlanStep[], healKey: string, acted: boolean): ObservedTarget[] {
  return steps.flatMap((s) => handlerFor(s.action).observedTargets(s, healKey, acted));
}

/** Healthy when there is something to check and every container is running and healthy (or has no healthcheck). */
export function containerHealthVerdict(containers: ObservedContainer[]): VerifierVerdict {
  if (containers.length === 0) return { healthy: false, evidence: ['container_health: no container to check yet'] };
  const evidence = containers.map((c) => ('missing' in c ? `${c.id} is gone` : `${c.name} ${c.state}, health ${c.health}`));
  const healthy = containers.every((c) => !('missing' in c) && c.state === 'running' && (c.health === 'healthy' || c.health === 'none'));
  return { healthy, evidence: [`container_health: ${evidence.join(', ')}`] };
}

export function httpProbeVerdict(url: string, answer: { status: number; error?: string }, expectStatus: number): VerifierVerdict {
  return { healthy: answer.status === expectStatus, evidence: [`http_probe ${url}: ${answer.error ?? answer.status} (want ${expectStatus})`] };
}

export function httpProbeRefused(url: string): VerifierVerdict {
  return { healthy: false, evidence: [`http_probe: ${url} is not allowlisted`] };
}

/** The part of a recorded analysis metric_recheck reads. */
export interface AnalysisSnapshot {
  metrics: Record<string, number>;
  anomalies: { metric: string; zscore: number }[];
}

/** Healthy when `intervals` fresh analyses of the metrics exist and none has one of them at or beyond k σ. */
export function metricRecheckVerdict(snapshots: AnalysisSnapshot[], metrics: string[], k: number, intervals: number): VerifierVerdict {
  const fresh = snapshots.filter((s) => metrics.some((m) => m in s.metrics));
  if (fresh.length < intervals) {
    return { healthy: false, evidence: [`metric_recheck: ${fresh.length}/${intervals} fresh analyses of ${metrics.join(', ')} so far`] };
  }
  const outliers = fresh.flatMap((s) => s.anomalies.filter((a) => metrics.includes(a.metric) && Math.abs(a.zscore) >= k));
  return {
    healthy: outliers.length === 0,
    evidence: [
      outliers.length === 0
        ? `metric_recheck: ${metrics.join(', ')} within ${k}σ for ${intervals} interval(s)`
        : `metric_recheck: ${outliers.map((a) => `${a.metric} at ${a.zscore.toFixed(1)}σ`).join(', ')}`,
    ],
  };
}
