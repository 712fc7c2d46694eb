// How much a sample says "anomaly", in sigmas. A lone point pays an isolation penalty (noise alone crosses 2 sigmas
// on 4.6% of Gaussian samples), unless recent cumulative evidence on its side backs it up; a run of moderate
// deviations counts through a CUSUM, which catches a sustained shift a few samples in, before any single point would.
import type { DetectorConfig } from './config';
import type { MetricProfile } from './metric-profiles';
import type { BaselineState } from './state';

/** One sample adds at most this many sigmas to a CUSUM, so a lone spike's evidence fades fast. */
const CUSUM_STEP_CAP = 4;

export interface Evidence {
  sigmas: number;
  /** The cumulative sum, not the point alone, carried the evidence. */
  sustained: boolean;
}

/**
 * Updates the CUSUMs with `z` and writes the evidence into `out`: 0 when the deviation is on the harmless side or
 * `muted` (warm-up); `isolationPenalty` is what a lone point pays.
 */
export function weighEvidence(
  state: BaselineState,
  z: number,
  profile: MetricProfile,
  config: DetectorConfig,
  isolationPenalty: number,
  muted: boolean,
  out: Evidence,
): void {
  const above = z >= 0;
  const cusumBefore = above ? state.cusumAbove : state.cusumBelow;
  const step = Math.max(-CUSUM_STEP_CAP, Math.min(CUSUM_STEP_CAP, z));
  state.cusumAbove = Math.max(0, state.cusumAbove + step - config.cusumK);
  state.cusumBelow = Math.max(0, state.cusumBelow - step - config.cusumK);
  out.sigmas = 0;
  out.sustained = false;
  const badSide = profile.direction === 'both' || (profile.direction === 'above') === above;
  if (muted || !badSide) return;
  const penalty = isolationPenalty * Math.max(0, 1 - cusumBefore / config.cusumThreshold);
  const pointEvidence = Math.abs(z) - penalty;
  // Cumulative evidence counts only while it grows: once a shift is absorbed, the alarm stops.
  const cusumNow = above ? state.cusumAbove : state.cusumBelow;
  const cusumEvidence = cusumNow > cusumBefore ? (cusumNow * config.mediumZ) / config.cusumThreshold : 0;
  out.sigmas = Math.max(0, pointEvidence, cusumEvidence);
  out.sustained = cusumEvidence > pointEvidence;
}

/** Forget the cumulative evidence (after a level reset). */
export function resetEvidence(state: BaselineState): void {
  state.cusumAbove = 0;
  state.cusumBelow = 0;
}
