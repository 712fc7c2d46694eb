// What the level, trend and season leave unexplained. Real metrics (CPU, latency, queue depth) wander: their residuals
// are autocorrelated, which a plain EWMA baseline mistakes for sustained shifts, and heavy-tailed, which Gaussian
// thresholds mistake for anomalies. Two small corrections, learned online:
//  - AR(1) carry-over: the forecast adds phi·(last residual), with phi the lag-1 autocorrelation of the residuals;
//  - tail calibration: sigma is widened by how far the observed 98th percentile of |z| exceeds the Gaussian one.
import type { BaselineState } from './state';

/** Upper bound of the learned autocorrelation: the forecast never simply repeats the last value. */
const MAX_AUTOCORRELATION = 0.9;
/** Memory of the autocorrelation estimate (EWMA weight per sample). */
const AUTOCORRELATION_RATE = 0.02;
/** Standardised residuals beyond this count as this much in the autocorrelation (robustness). */
const AUTOCORRELATION_CLIP = 3;
/** The tracked quantile of |z| and its value for Gaussian residuals. */
const TAIL_PROBABILITY = 0.02;
export const GAUSSIAN_TAIL_QUANTILE = 2.326;
/** Step of the stochastic-approximation quantile tracker, in sigmas. */
const TAIL_STEP = 0.05;
/** The tail factor stays within [1, MAX_TAIL_FACTOR]: heavy tails may blunt the detector, not blind it. */
const MAX_TAIL_FACTOR = 3;

function autocorrelation(state: BaselineState): number {
  if (state.lagSquare <= 0) return 0;
  return Math.max(0, Math.min(MAX_AUTOCORRELATION, state.lagProduct / state.lagSquare));
}

/** The part of the last residual expected to persist after `steps` intervals. */
export function carryOver(state: BaselineState, steps: number): number {
  const phi = autocorrelation(state);
  if (phi === 0 || state.lastResidual === 0) return 0;
  return (steps === 1 ? phi : Math.pow(phi, steps)) * state.lastResidual;
}

/** How much wider than Gaussian the residual tails have been (>= 1). */
export function tailFactor(state: BaselineState): number {
  return Math.max(1, Math.min(MAX_TAIL_FACTOR, state.tailQuantile / GAUSSIAN_TAIL_QUANTILE));
}

/**
 * Learns from one sample: `residual` is the clipped deviation from level + trend + season (what may carry over),
 * `sigma` the scale it is measured in, `rawZ` the innovation in sigmas before the tail factor.
 */
export function learnResiduals(state: BaselineState, residual: number, sigma: number, rawZ: number): void {
  const previous = clipStandardised(state.lastResidual / sigma);
  const current = clipStandardised(residual / sigma);
  const rate = Math.max(AUTOCORRELATION_RATE, 1 / Math.max(1, state.count));
  state.lagProduct += rate * (current * previous - state.lagProduct);
  state.lagSquare += rate * (previous * previous - state.lagSquare);
  state.lastResidual = residual;
  // Robbins-Monro: up by (1-p)·step on an exceedance, down by p·step otherwise; settles where P(|z| > q) = p.
  state.tailQuantile += Math.abs(rawZ) > state.tailQuantile ? TAIL_STEP * (1 - TAIL_PROBABILITY) : -TAIL_STEP * TAIL_PROBABILITY;
  state.tailQuantile = Math.max(GAUSSIAN_TAIL_QUANTILE, Math.min(GAUSSIAN_TAIL_QUANTILE * MAX_TAIL_FACTOR, state.tailQuantile));
}

function clipStandardised(x: number): number {
  return Math.max(-AUTOCORRELATION_CLIP, Math.min(AUTOCORRELATION_CLIP, x));
}

/** Forget the carry-over (after a level reset: the old residual no longer means anything). */
export function forgetLastResidual(state: BaselineState): void {
  state.lastResidual = 0;
}
