// Deterministic synthetic series for the detection tests: a seeded PRNG and the NAB-like patterns built from it.
import { createDetector, type Detector, type SampleResult } from '../../../../src/domain/detection';
import type { DetectorConfig } from '../../../../src/domain/detection';

/** mulberry32: small, fast, good enough for test noise, and the same numbers on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box-Muller). */
export function seededGaussian(seed: number): () => number {
  const uniform = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** 2024-01-01T00:00:00Z: series start at a midnight so seasonal phases are easy to read. */
export const START = Date.UTC(2024, 0, 1);

export interface Series {
  values: number[];
  times: number[];
}

/** `length` samples of `shape(i, t) + sigma·noise`, every `intervalMs` from START. */
export function makeSeries(
  length: number,
  shape: (i: number, t: number) => number,
  options: { sigma?: number; seed?: number; intervalMs?: number } = {},
): Series {
  const { sigma = 1, seed = 1, intervalMs = MINUTE } = options;
  const noise = seededGaussian(seed);
  const values: number[] = [];
  const times: number[] = [];
  for (let i = 0; i < length; i++) {
    const t = START + i * intervalMs;
    times.push(t);
    values.push(shape(i, t) + sigma * noise());
  }
  return { values, times };
}

/** Feeds a whole series through one state; returns every sample's result. */
export function runSeries(
  series: Series,
  config: Partial<DetectorConfig> = {},
  metric = 'value',
  detector: Detector = createDetector(config),
): SampleResult[] {
  const state = detector.createState();
  return series.values.map((v, i) => detector.observe(state, metric, v, series.times[i]!));
}

export function flagged(results: SampleResult[], from = 0, to = results.length): number[] {
  const indices: number[] = [];
  for (let i = from; i < to; i++) if (results[i]!.severity !== 'none') indices.push(i);
  return indices;
}
