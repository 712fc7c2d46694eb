// A slow reference for what the fast baseline absorbs. Holt's trend and the AR(1) carry-over follow a ramp closely,
// so its one-step residuals stay small even as the series climbs far from anything it did before. The excursion is
// the distance of the level from a long-memory EWMA of itself, in units of its own usual spread: large for a ramp,
// ordinary for a series that always wanders. When it alarms, the reference jumps to the level, so a ramp alarms
// again only after climbing as far again, and a finished ramp stops alarming at once.
import type { DetectorConfig } from './config';
import type { Evidence } from './evidence';
import type { MetricProfile } from './metric-profiles';
import type { BaselineState } from './state';

/** EWMA weight per sample of the long reference and of its spread (a memory of ~200 samples). */
const LONG_RATE = 0.005;
/** Excursion, in spreads, worth mediumZ sigmas of evidence. */
const EXCURSION_THRESHOLD = 5;
/** The spread needs history: no excursion evidence before this many samples. */
const EXCURSION_MIN_SAMPLES = 100;
/** Spread floor in robust sigmas of the series, so a smooth level does not make every move an excursion. */
const SPREAD_FLOOR = 0.5;
const ABS_TO_SIGMA = Math.sqrt(Math.PI / 2);

/** Raises `out` when the level's excursion is stronger evidence than the residual's (and then resets the reference). */
export function weighExcursion(
  state: BaselineState,
  level: number,
  sigma: number,
  profile: MetricProfile,
  config: DetectorConfig,
  out: Evidence,
): void {
  if (state.count < EXCURSION_MIN_SAMPLES) return;
  const excursion = (level - state.longLevel) / Math.max(state.longSpread, SPREAD_FLOOR * sigma);
  const badSide = profile.direction === 'both' || (profile.direction === 'above') === excursion >= 0;
  const sigmas = badSide ? (Math.abs(excursion) * config.mediumZ) / EXCURSION_THRESHOLD : 0;
  if (sigmas <= out.sigmas) return;
  out.sigmas = sigmas;
  out.sustained = true;
  if (sigmas >= config.mediumZ) state.longLevel = level;
}

/** Moves the long reference and its spread towards the new level (plain averages while history is short). */
export function learnExcursion(state: BaselineState, level: number, sigma: number): void {
  const rate = Math.max(LONG_RATE, 1 / (state.count + 1));
  const deviation = Math.min(Math.abs(level - state.longLevel), 4 * Math.max(state.longSpread, sigma));
  state.longSpread += rate * (ABS_TO_SIGMA * deviation - state.longSpread);
  state.longLevel += rate * (level - state.longLevel);
}

/** A new regime (a confirmed level shift): the reference starts there. */
export function restartExcursion(state: BaselineState): void {
  state.longLevel = state.level;
}
