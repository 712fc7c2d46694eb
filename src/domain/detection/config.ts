// Detector tuning. Defaults follow the spec (EWMA alpha 0.3, z >= 2 medium, >= 3 high); the rest were calibrated
// on synthetic series (docs/detection.md explains each one).

export type Direction = 'above' | 'below' | 'both';

/** Per-metric overrides, keyed by the metric name. */
export interface MetricOverride {
  /** Which deviations are bad: error rates and latencies only 'above'. */
  direction?: Direction;
  /** Reject negative values for this metric. */
  nonNegative?: boolean;
}

export interface DetectorConfig {
  /** Level smoothing (EWMA / Holt alpha) per typical sampling interval, in (0, 1]. */
  alpha: number;
  /** Trend smoothing (Holt beta), in [0, 1]; 0 turns the trend off. */
  beta: number;
  /** Robust scale smoothing (EWMA of absolute residuals), in (0, 1]. */
  scaleAlpha: number;
  /** Seasonal period in ms; 0 turns seasonality off. The profile is used only once it proves significant. */
  seasonPeriodMs: number;
  /** Buckets in the seasonal profile (memory: 8 bytes each), 0..48. */
  seasonBuckets: number;
  /** How much of the seasonal residual one period teaches the profile, in (0, 1]. */
  seasonGamma: number;
  /** Residuals beyond huberK robust sigmas update the baseline as if they were exactly huberK sigmas. */
  huberK: number;
  /** Samples before a metric without a prior may alarm. */
  warmupSamples: number;
  /** Evidence thresholds (in sigmas) for the severities. */
  mediumZ: number;
  highZ: number;
  /** CUSUM allowance per sample, in sigmas. */
  cusumK: number;
  /** CUSUM sum worth mediumZ of evidence; it also removes the isolation penalty. */
  cusumThreshold: number;
  /**
   * Sigmas subtracted from a lone deviation with no recent cumulative evidence (not while a prior-based baseline is
   * in its first warmupSamples: a prior's spread is already generous).
   */
  isolationPenalty: number;
  /** Consecutive same-side outliers that mean a level shift: the level is reset to their mean. */
  shiftConfirmSamples: number;
  /** Scale floor as a fraction of the level, so flat lines give finite, sensible z-scores. */
  relativeScaleFloor: number;
  /** Anomaly likelihood: EWMA weight of the short average of surprise, and of its long-run distribution. */
  likelihoodShortRate: number;
  likelihoodLongRate: number;
  /** Samples before the likelihood replaces the plain evidence (until then: the evidence, as for a cold start). */
  likelihoodWarmupSamples: number;
  /** A surprise that reached this on both previous days at the same time of day is recurring: only the excess counts.
   *  Above the surprise cap (14) nothing recurs. */
  recurringMinSurprise: number;
  /** Evidence that opens an episode, and below which it counts as calm; calm samples in a row that resolve it. */
  episodeOpenZ: number;
  episodeCloseZ: number;
  episodeResolveSamples: number;
  /**
   * Alarm spacing: for this many typical intervals after an episode opened, once it has resolved, the evidence for a
   * new episode counts 1/alarmSpacingFactor (a series that has just alarmed must show more to alarm again). 0 = off.
   */
  alarmSpacingSamples: number;
  alarmSpacingFactor: number;
  /**
   * Ranking of alarms against the series' own history: a row that would start an episode scores in the band above
   * every other row, lowered by this many sigmas per e-fold its deviation falls short of the largest deviation that
   * opened an earlier episode of the series. 0 = off (alarms rank by their evidence alone).
   */
  alarmPeakWeight: number;
  /**
   * Ranking of alarms by how often the series has alarmed this large: a row that would start an episode is lowered by
   * alarmCountWeight sigmas per e-fold of (1 + the series' earlier alarms whose deviation was at least alarmCountShare
   * times this row's; of its last ALARM_MEMORY alarms). 0 = off; a share of 0 counts every earlier alarm.
   */
  alarmCountWeight: number;
  alarmCountShare: number;
  /** An ongoing episode's rows score this fraction of their evidence's score: they do not start an episode. */
  ongoingScoreFactor: number;
  /** Samples after which an open episode is accepted as the new normal; 0 never (until it recovers or is acknowledged). */
  acceptAfterSamples: number;
  metrics: Record<string, MetricOverride>;
}

export const DEFAULT_DETECTOR_CONFIG: Readonly<DetectorConfig> = Object.freeze({
  alpha: 0.3,
  beta: 0.05,
  scaleAlpha: 0.02,
  seasonPeriodMs: 86_400_000,
  seasonBuckets: 24,
  seasonGamma: 0.5,
  huberK: 2,
  warmupSamples: 20,
  mediumZ: 2,
  highZ: 3,
  cusumK: 0.75,
  cusumThreshold: 5,
  isolationPenalty: 2,
  shiftConfirmSamples: 3,
  relativeScaleFloor: 0.001,
  likelihoodShortRate: 0.25,
  likelihoodLongRate: 0.0002,
  likelihoodWarmupSamples: 100,
  recurringMinSurprise: 6,
  episodeOpenZ: 3.7,
  episodeCloseZ: 1,
  episodeResolveSamples: 100,
  alarmSpacingSamples: 200,
  alarmSpacingFactor: 1.5,
  alarmPeakWeight: 16,
  alarmCountWeight: 24,
  alarmCountShare: 0.5,
  ongoingScoreFactor: 0.1,
  acceptAfterSamples: 0,
  metrics: {},
});

type NumericKey = Exclude<keyof DetectorConfig, 'metrics'>;

// [min, max, minExclusive]
const RANGES: Record<NumericKey, [number, number, boolean]> = {
  alpha: [0, 1, true],
  beta: [0, 1, false],
  scaleAlpha: [0, 1, true],
  seasonPeriodMs: [0, Number.MAX_SAFE_INTEGER, false],
  seasonBuckets: [0, 48, false],
  seasonGamma: [0, 1, true],
  huberK: [0, 100, true],
  warmupSamples: [1, 1_000_000, false],
  mediumZ: [0, 1000, true],
  highZ: [0, 1000, true],
  cusumK: [0, 100, false],
  cusumThreshold: [0, 1000, true],
  isolationPenalty: [0, 100, false],
  shiftConfirmSamples: [1, 1_000_000, false],
  relativeScaleFloor: [0, 1, false],
  likelihoodShortRate: [0, 1, true],
  likelihoodLongRate: [0, 1, true],
  likelihoodWarmupSamples: [0, 1_000_000, false],
  recurringMinSurprise: [0, 1000, false],
  episodeOpenZ: [0, 1000, true],
  episodeCloseZ: [0, 1000, false],
  episodeResolveSamples: [1, 1_000_000, false],
  alarmSpacingSamples: [0, 1_000_000, false],
  alarmSpacingFactor: [1, 1000, false],
  alarmPeakWeight: [0, 1000, false],
  alarmCountWeight: [0, 1000, false],
  alarmCountShare: [0, 1000, false],
  ongoingScoreFactor: [0, 1, false],
  acceptAfterSamples: [0, Number.MAX_SAFE_INTEGER, false],
};

const INTEGER_KEYS = new Set<NumericKey>(['seasonBuckets', 'warmupSamples', 'shiftConfirmSamples', 'likelihoodWarmupSamples',
  'episodeResolveSamples', 'alarmSpacingSamples', 'acceptAfterSamples']);

/** Defaults overlaid with `overrides`; throws RangeError naming the first bad key. */
export function resolveDetectorConfig(overrides: Partial<DetectorConfig> = {}): DetectorConfig {
  const config: DetectorConfig = { ...DEFAULT_DETECTOR_CONFIG, ...overrides, metrics: { ...overrides.metrics } };
  for (const key of Object.keys(RANGES) as NumericKey[]) {
    const [min, max, minExclusive] = RANGES[key];
    const value = config[key];
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (minExclusive ? value > min : value >= min) &&
      value <= max &&
      (!INTEGER_KEYS.has(key) || Number.isInteger(value));
    if (!ok) {
      const kind = INTEGER_KEYS.has(key) ? 'an integer' : 'a number';
      throw new RangeError(`${key} must be ${kind} in ${minExclusive ? '(' : '['}${min}, ${max}], got ${String(value)}`);
    }
  }
  if (config.episodeCloseZ > config.episodeOpenZ) {
    throw new RangeError(`episodeCloseZ (${config.episodeCloseZ}) must be <= episodeOpenZ (${config.episodeOpenZ})`);
  }
  if (config.highZ < config.mediumZ) throw new RangeError(`highZ (${config.highZ}) must be >= mediumZ (${config.mediumZ})`);
  return config;
}
