// Anomaly likelihood (after Numenta HTM's): how unusual the recent surprise is for this series. A short average of
// per-sample surprise is compared with the long-run distribution of that same average, so a series that is always
// noisy needs more to alarm than a quiet one, and the result keeps resolution however extreme it gets (the raw
// z-scores of a heavy-tailed series would pile up at the top).
import type { DetectorConfig, Direction } from './config';
import type { BaselineState } from './state';

/** Spread floor of the averaged surprise (in sigmas), so a series with no surprise at all does not divide by zero. */
const SPREAD_FLOOR = 0.1;

/** A single sample counts at most this many sigmas of surprise: one wild point must not swamp the average. */
const SURPRISE_CAP = 14;

/** The surprise of a standardised residual: its size on the harmful side, capped; none on the harmless side. */
export function surpriseOf(z: number, direction: Direction): number {
  if ((direction === 'above' && z < 0) || (direction === 'below' && z > 0)) return 0;
  return Math.min(Math.abs(z), SURPRISE_CAP);
}

/**
 * What the cap cut off, as extra evidence growing with the logarithm of the size: it leaves the likelihood's average
 * robust, yet a 80-sigma spike still outranks a 40-sigma one.
 */
export function surpriseBeyondCap(z: number, direction: Direction): number {
  const size = surpriseOf(z, direction) < SURPRISE_CAP ? 0 : Math.abs(z);
  return size > SURPRISE_CAP ? Math.log(size / SURPRISE_CAP) : 0;
}

/** Folds `surprise` in and returns how many long-run spreads the short average stands above its long-run mean. */
export function weighLikelihood(state: BaselineState, surprise: number, config: DetectorConfig): number {
  state.surpriseShort += config.likelihoodShortRate * (surprise - state.surpriseShort);
  const mean = state.surpriseMean;
  const spread = Math.sqrt(Math.max(state.surpriseSquare - mean * mean, SPREAD_FLOOR * SPREAD_FLOOR));
  const standing = state.likelihoodCount === 0 ? 0 : (state.surpriseShort - mean) / spread;
  const rate = Math.max(config.likelihoodLongRate, 1 / (state.likelihoodCount + 1));
  state.surpriseMean += rate * (state.surpriseShort - mean);
  state.surpriseSquare += rate * (state.surpriseShort * state.surpriseShort - state.surpriseSquare);
  state.likelihoodCount += 1;
  return standing;
}
