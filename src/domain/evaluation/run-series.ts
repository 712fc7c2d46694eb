// The detector run over one recorded series, as `selfheal evaluate` scores it: every row gets a score, 0 for a row the
// engine rejects (its baseline is untouched, as in `selfheal detect`).
import type { Detector } from '../detection';

export function scoreSeries(detector: Detector, metric: string, timestamps: readonly number[], values: readonly number[]): Float64Array {
  const state = detector.createState();
  const scores = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const result = detector.observe(state, metric, values[i]!, timestamps[i]!);
    scores[i] = result.accepted ? result.score : 0;
  }
  return scores;
}
