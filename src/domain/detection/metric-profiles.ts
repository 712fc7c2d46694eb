// What the detector knows about well-known metric names: which side is bad, whether negatives are impossible, and a
// cold-start prior (a typical level and spread) so a metric with no history can still be judged, as in the spec's
// one-shot analyze example. Names are matched loosely ("api.latency_p95_ms" is a latency).
import type { DetectorConfig, Direction } from './config';

export interface MetricPrior {
  mean: number;
  std: number;
}

export interface MetricProfile {
  kind: string;
  direction: Direction;
  nonNegative: boolean;
  prior: MetricPrior | null;
  /** The smallest meaningful spread (units of the metric), which matters while the level is near zero. */
  absoluteScaleFloor: number;
  /** Fractions that dashboards often report as percentages: a first value above 1 scales the prior by 100. */
  percentAware: boolean;
}

function known(kind: string, direction: Direction, prior: MetricPrior | null, absoluteScaleFloor: number,
  percentAware = false): MetricProfile {
  return { kind, direction, nonNegative: true, prior, absoluteScaleFloor, percentAware };
}

// The first match wins: "queue_latency" is a latency, "error_count" an error count, "request_errors" too.
const KNOWN_KINDS: Array<[RegExp, MetricProfile]> = [
  [/err(or)?s?_?(rate|ratio|pct|percent)|5xx_rate|failure_rate/, known('error_rate', 'above', { mean: 0.01, std: 0.01 }, 0.001)],
  [/latency|duration|response_time|resp_time|_ms$|p9[59]|p50/, known('latency', 'above', { mean: 150, std: 60 }, 1)],
  [/cpu/, known('cpu', 'above', { mean: 0.4, std: 0.2 }, 0.01, true)],
  [/mem/, known('memory', 'above', { mean: 0.5, std: 0.15 }, 0.01, true)],
  [/queue|backlog|lag|pending/, known('queue_depth', 'above', { mean: 10, std: 20 }, 1)],
  [/restart|crash/, known('restarts', 'above', { mean: 0, std: 0.5 }, 0.5)],
  [/error|fail|5xx|4xx|timeout|drop/, known('error_count', 'above', null, 1e-6)],
  // Traffic has no universal scale, so no prior: a drop and a surge both matter, after warm-up.
  [/request|rps|qps|traffic|throughput/, known('request_rate', 'both', null, 1e-6)],
];

const UNKNOWN: MetricProfile = {
  kind: 'unknown', direction: 'both', nonNegative: false, prior: null, absoluteScaleFloor: 1e-9, percentAware: false,
};

// Latencies are judged in milliseconds unless the name says otherwise: Prometheus' convention is seconds
// ("http_request_duration_seconds"), and a millisecond floor of 1 would hide a jump from 0.1 s to 3 s.
const LATENCY_UNITS: Array<[RegExp, number]> = [
  [/(^|[_.])(seconds|secs?|s)([_.]|$)/, 0.001],
  [/(^|[_.])(microseconds|micros|us)([_.]|$)/, 1000],
];

function inUnitsOf(name: string, profile: MetricProfile): MetricProfile {
  if (profile.kind !== 'latency') return profile;
  const scale = LATENCY_UNITS.find(([pattern]) => pattern.test(name))?.[1] ?? 1;
  if (scale === 1) return profile;
  const prior = profile.prior && { mean: profile.prior.mean * scale, std: profile.prior.std * scale };
  return { ...profile, prior, absoluteScaleFloor: profile.absoluteScaleFloor * scale };
}

/** The profile of `metric`: a known kind by name (in the units its name gives), with the config's per-metric
 * overrides on top. */
export function metricProfile(metric: string, config: Pick<DetectorConfig, 'metrics'>): MetricProfile {
  const name = metric.toLowerCase();
  const base = inUnitsOf(name, KNOWN_KINDS.find(([pattern]) => pattern.test(name))?.[1] ?? UNKNOWN);
  const override = Object.prototype.hasOwnProperty.call(config.metrics, metric) ? config.metrics[metric] : undefined;
  return {
    ...base,
    direction: override?.direction ?? base.direction,
    nonNegative: override?.nonNegative ?? base.nonNegative,
  };
}

/** The prior in the units of the first value seen (percent when a fraction-type metric starts above 1). */
export function priorFor(profile: MetricProfile, firstValue: number): MetricPrior | null {
  if (!profile.prior) return null;
  if (profile.percentAware && firstValue > 1) return { mean: profile.prior.mean * 100, std: profile.prior.std * 100 };
  return profile.prior;
}

/** The absolute scale floor in the units the level is in (see priorFor). */
export function absoluteFloorFor(profile: MetricProfile, level: number): number {
  return profile.percentAware && level > 1 ? profile.absoluteScaleFloor * 100 : profile.absoluteScaleFloor;
}
