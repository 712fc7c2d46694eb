// The detector run over one recorded series, as `selfheal evaluate` scores it: every row gets a score, 0 for a row the
// engine rejects (its baseline is untouched, as in `selfheal detect`).
import type { Detector, SampleResult } from '../detection';

export function scoreSeries(detector: Detector, metric: string, timestamps: readonly number[], values: readonly number[]): Float64Array {
  const state = detector.createState();
  const scores = new Float64Array(values.length);
  let result: SampleResult | undefined;
  for (let i = 0; i < values.length; i++) {
    result = detector.observe(state, metric, values[i]!, timestamps[i]!, result);
    scores[i] = result.accepted ? result.score : 0;
  }
  return scores;
}
