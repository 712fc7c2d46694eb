// How a heal the autopilot starts is verified beyond its strategy's default verifiers: the metrics the detector flagged
// in the incident must be back within their baselines in the watch's own samples after the action, for as many samples
// in a row as resolve an incident. Pure.
import type { HealInput, VerifierSpec } from '../heal';
import type { Incident } from './incident';

/** The most metrics one metric_recheck names (the API's bound for the same verifier). */
const MAX_METRICS = 20;

/** The metrics the detector flagged while the incident lasted (its `metric:<name>` troubles), first seen first. */
export function flaggedMetrics(incident: Incident): string[] {
  return incident.troubles.filter((t) => t.startsWith('metric:')).map((t) => t.slice('metric:'.length));
}

/**
 * metric_recheck over the watch's samples: each is an analysis of the service recorded with its anomalies, so the
 * verifier judges them with the detector's own evidence (no anomaly of these metrics at or beyond its threshold) in
 * `holdSamples` fresh samples after the action. Nothing to add when the incident has no flagged metric.
 */
export function withMetricRecheck(input: HealInput, incident: Incident, holdSamples: number): HealInput {
  const metrics = flaggedMetrics(incident).slice(0, MAX_METRICS);
  if (metrics.length === 0) return input;
  const recheck: VerifierSpec = { name: 'metric_recheck', params: { metrics, intervals: holdSamples } };
  return { ...input, verifyAlso: [...(input.verifyAlso ?? []), recheck] };
}
