// The update step: forecast (Holt level + damped trend + seasonal profile + AR(1) carry-over), standardise the
// residual by a robust, tail-calibrated scale, weigh the evidence, then learn from the sample with its residual
// clipped (Huber) so an outlier cannot poison the baseline. It mutates the state in place and, in steady state,
// allocates nothing.
import type { DetectorConfig } from './config';
import { resetEvidence, weighEvidence, type Evidence } from './evidence';
import { learnExcursion, restartExcursion, weighExcursion } from './excursion';
import { absoluteFloorFor, priorFor, type MetricProfile } from './metric-profiles';
import { carryOver, forgetLastResidual, learnResiduals, tailFactor } from './residual-model';
import { locateInSeason, reviewSeason, seasonalValue, teachSeason, type SeasonPosition } from './season';
import type { BaselineState } from './state';

/** E|X| = sigma * sqrt(2/pi) for Gaussian X, so the mean absolute residual times this is a sigma. */
const ABS_RESIDUAL_TO_SIGMA = Math.sqrt(Math.PI / 2);
/** Residuals count at most this many sigmas in the scale update: a spike widens the scale only a little. */
const SCALE_CLIP = 3;
/** The trend fades a little each step, so a stale slope is not extrapolated forever. */
const TREND_DAMPING = 0.98;
/** Across a gap, the trend is extrapolated at most this many intervals. */
const TREND_HORIZON_CAP = 10;
/** A gap widens the forecast variance (local-level model: 1 + (h-1)·alpha²), at most this much. */
const GAP_VARIANCE_CAP = 16;
/** A prior's spread weighs as much as this many samples in the scale. */
const PRIOR_WEIGHT = 4;
/** The seasonal profile is used once its RMS reaches this many robust sigmas. */
const SEASON_SIGNIFICANCE = 0.5;
/** Robust weights need a scale, which needs a few residuals: no clipping before this many samples (no prior). */
const CLIP_AFTER_SAMPLES = 3;

/** What one sample looked like against its baseline, before scoring. */
export interface Assessment extends Evidence {
  zscore: number;
  expected: number;
  std: number;
  warmingUp: boolean;
  /** The level shift this sample confirmed (new level minus old), or 0. */
  levelShift: number;
}

const here: SeasonPosition = { first: 0, second: 0, weight: 0 };

/** Judges `value` at `at` against `state`, then learns from it. The caller has validated both. */
export function assessAndLearn(
  state: BaselineState,
  value: number,
  at: number,
  profile: MetricProfile,
  config: DetectorConfig,
  out: Assessment,
): void {
  const prior = state.count === 0 ? priorFor(profile, value) : null;
  if (state.count === 0 && !prior) {
    startWithoutPrior(state, value, at, profile, config, out);
    return;
  }
  let steps = 1;
  if (prior) {
    state.level = prior.mean;
    state.longLevel = prior.mean;
    state.scale = prior.std;
    state.firstAt = at;
  } else {
    steps = advanceClock(state, at);
  }
  const buckets = config.seasonPeriodMs > 0 ? config.seasonBuckets : 0;
  if (buckets > 0) followSeason(state, at, buckets, profile, config);

  // Forecast and standardise.
  const { alpha } = config;
  const seasonal = state.seasonActive ? seasonalValue(state.season, here) : 0;
  const levelNow = state.level + state.trend * Math.min(steps, TREND_HORIZON_CAP);
  const carried = carryOver(state, steps);
  const expected = levelNow + seasonal + carried;
  const gapVariance = steps > 1 ? Math.min(1 + (steps - 1) * alpha * alpha, GAP_VARIANCE_CAP) : 1;
  const gapWidening = gapVariance === 1 ? 1 : Math.sqrt(gapVariance);
  const rawSigma = Math.max(state.scale, scaleFloor(levelNow, profile, config)) * gapWidening;
  const sigma = rawSigma * tailFactor(state);
  const innovation = value - expected;
  const z = innovation / sigma;

  const young = state.count < config.warmupSamples;
  const warmingUp = young && profile.prior === null;
  weighEvidence(state, z, profile, config, young ? 0 : config.isolationPenalty, warmingUp, out);
  if (!warmingUp) weighExcursion(state, levelNow, rawSigma, profile, config, out);
  out.zscore = z;
  out.expected = expected;
  out.std = sigma;
  out.warmingUp = warmingUp;

  // Learn. The clipped innovation moves the level by at most alpha·huberK sigmas; what the AR term predicted passes.
  const levelAlpha = steps === 1 ? alpha : 1 - Math.pow(1 - alpha, steps);
  const clipping = profile.prior !== null || state.count >= CLIP_AFTER_SAMPLES;
  const limit = config.huberK * sigma;
  const clipped = carried + (clipping ? Math.max(-limit, Math.min(limit, innovation)) : innovation);
  state.level = levelNow + levelAlpha * clipped;
  state.trend = TREND_DAMPING * state.trend + (levelAlpha * config.beta * clipped) / Math.max(steps, 1);
  if (buckets > 0 && state.interval > 0) {
    const samplesPerBucket = config.seasonPeriodMs / (buckets * state.interval);
    teachSeason(state.season, here, ((1 - levelAlpha) * clipped * config.seasonGamma) / Math.max(1, samplesPerBucket));
  }
  const absInnovation = clipping ? Math.min(Math.abs(innovation), SCALE_CLIP * sigma) : Math.abs(innovation);
  const scaleWeight = Math.max(config.scaleAlpha, 1 / (state.count + (profile.prior ? PRIOR_WEIGHT + 1 : 0)));
  state.scale += scaleWeight * ((ABS_RESIDUAL_TO_SIGMA * absInnovation) / gapWidening - state.scale);
  learnResiduals(state, clipped, rawSigma, innovation / rawSigma);
  learnExcursion(state, state.level, rawSigma);
  out.levelShift = trackLevelShift(state, clipping && Math.abs(z) > config.huberK ? Math.sign(z) : 0, value - seasonal, config);
  state.count += 1;
  state.lastAt = at;
}

function startWithoutPrior(
  state: BaselineState, value: number, at: number, profile: MetricProfile, config: DetectorConfig, out: Assessment,
): void {
  state.level = value;
  state.longLevel = value;
  state.firstAt = at;
  state.lastAt = at;
  state.count = 1;
  out.zscore = 0;
  out.sigmas = 0;
  out.sustained = false;
  out.expected = value;
  out.std = scaleFloor(value, profile, config);
  out.warmingUp = true;
  out.levelShift = 0;
}

/** Elapsed time in typical intervals; also keeps the typical interval current (a gap moves it at most 2x). */
function advanceClock(state: BaselineState, at: number): number {
  const elapsed = at - (state.lastAt as number);
  if (elapsed === 0) return 1; // another reading of the same instant: one step, and no news about the interval
  if (state.interval === 0) {
    state.interval = elapsed;
    return 1;
  }
  const steps = elapsed / state.interval;
  const bounded = Math.max(state.interval / 2, Math.min(state.interval * 2, elapsed));
  state.interval += 0.1 * (bounded - state.interval);
  return steps;
}

/** Positions `here` in the seasonal profile; on entering a new bucket, reviews the profile. */
function followSeason(state: BaselineState, at: number, buckets: number, profile: MetricProfile, config: DetectorConfig) {
  if (state.season.length !== buckets) {
    state.season = new Array<number>(buckets).fill(0);
    state.seasonActive = false;
  }
  locateInSeason(at, config.seasonPeriodMs, buckets, here);
  const bucketMs = config.seasonPeriodMs / buckets;
  if (state.lastAt === null || Math.floor(at / bucketMs) === Math.floor(state.lastAt / bucketMs)) return;
  const threshold = SEASON_SIGNIFICANCE * Math.max(state.scale, scaleFloor(state.level, profile, config));
  reviewSeason(state, at, config.seasonPeriodMs, threshold, here);
}

/**
 * After shiftConfirmSamples outliers in a row on one side, the series has moved: the level jumps to their mean, so
 * alarms for a sustained level shift stop within that many samples instead of lasting while the baseline crawls.
 */
function trackLevelShift(state: BaselineState, side: number, deseasonalised: number, config: DetectorConfig): number {
  if (side === 0) {
    state.outlierRun = 0;
    state.outlierRunSum = 0;
    return 0;
  }
  if (state.outlierRun * side > 0) {
    state.outlierRun += side;
    state.outlierRunSum += deseasonalised;
  } else {
    state.outlierRun = side;
    state.outlierRunSum = deseasonalised;
  }
  if (Math.abs(state.outlierRun) < config.shiftConfirmSamples) return 0;
  const before = state.level;
  state.level = state.outlierRunSum / Math.abs(state.outlierRun);
  state.trend = 0;
  state.outlierRun = 0;
  state.outlierRunSum = 0;
  resetEvidence(state);
  forgetLastResidual(state);
  restartExcursion(state);
  return state.level - before;
}

function scaleFloor(level: number, profile: MetricProfile, config: DetectorConfig): number {
  return Math.max(absoluteFloorFor(profile, level), config.relativeScaleFloor * Math.abs(level));
}
