// Input checks shared by the API (400 naming the field), the CLI (skip and count the row) and the engine itself
// (a rejected sample never touches a baseline).
import type { DetectorConfig } from './config';
import { metricProfile, type MetricProfile } from './metric-profiles';

/** Magnitudes beyond this are rejected: it keeps every intermediate (squares included) finite. */
export const MAX_ABS_VALUE = 1e150;

/** Why `value` cannot be a sample of `metric`, or null when it can. */
export function validateSample(
  metric: string,
  value: unknown,
  config: Pick<DetectorConfig, 'metrics'> = { metrics: {} },
): string | null {
  return sampleProblem(value, () => metricProfile(metric, config));
}

/** validateSample with the profile already resolved (or resolved lazily: only negatives need it). */
export function sampleProblem(value: unknown, profile: MetricProfile | (() => MetricProfile)): string | null {
  if (typeof value !== 'number') return value === null || value === undefined || value === '' ? 'empty value' : 'not a number';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Infinity' : '-Infinity';
  if (Math.abs(value) > MAX_ABS_VALUE) return `magnitude above ${MAX_ABS_VALUE}`;
  if (value < 0) {
    const resolved = typeof profile === 'function' ? profile() : profile;
    if (resolved.nonNegative) return `negative value for a ${resolved.kind} metric`;
  }
  return null;
}

/** Why `at` cannot follow `lastAt` in a series, or null when it can (a repeated timestamp is the same instant again). */
export function validateTimestamp(at: number, lastAt: number | null): string | null {
  if (typeof at !== 'number' || !Number.isFinite(at)) return 'invalid timestamp';
  if (lastAt === null) return null;
  if (at < lastAt) return 'out-of-order timestamp';
  return null;
}
