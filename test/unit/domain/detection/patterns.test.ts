// Each NAB-like pattern on a deterministic synthetic series: detected within a stated delay, or no alarm for normal
// variation. Series are sigma 1 around 100, sampled every minute, after a 200-sample history.
import { describe, expect, it } from 'vitest';
import { createDetector } from '../../../../src/domain/detection';
import { flagged, HOUR, makeSeries, MINUTE, runSeries, seededGaussian, START } from './synthetic';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const ONSET = 200;

describe('detection on synthetic patterns', () => {
  it('on Gaussian noise, flags under 0.2% of 10,000 samples as medium or worse and none as high', () => {
    for (const seed of SEEDS.slice(0, 3)) {
      const results = runSeries(makeSeries(10_000, () => 100, { seed }));
      expect(flagged(results).length).toBeLessThan(20);
      expect(results.filter((r) => r.severity === 'high').length).toBeLessThanOrEqual(2);
    }
  });

  it('detects a 6-sigma step within 3 samples, and the alarms stop within 5 samples of the step', () => {
    for (const seed of SEEDS) {
      const results = runSeries(makeSeries(400, (i) => (i >= ONSET ? 106 : 100), { seed }));
      const alarms = flagged(results, ONSET);
      expect(alarms[0]).toBeLessThanOrEqual(ONSET + 2);
      expect(flagged(results, ONSET + 5).length).toBeLessThanOrEqual(1);
    }
  });

  it('stops alarming within 5 samples of a sustained level shift of any size (20, 50, 1000 sigma)', () => {
    for (const size of [20, 50, 1000]) {
      for (const seed of SEEDS) {
        const results = runSeries(makeSeries(400, (i) => (i >= ONSET ? 100 + size : 100), { seed }));
        expect(results[ONSET]!.severity).toBe('high');
        expect(flagged(results, ONSET + 5)).toEqual([]);
      }
    }
  });

  it('detects a downward step of a two-sided metric as "below"', () => {
    const results = runSeries(makeSeries(300, (i) => (i >= ONSET ? 92 : 100)));
    const first = results[flagged(results, ONSET)[0]!]!;
    expect(first.direction).toBe('below');
    expect(first.hint).toMatch(/below its baseline/);
  });

  it('flags a 10-sigma spike at the spike as high, and the next 30 normal samples are not alarms', () => {
    for (const seed of SEEDS) {
      const results = runSeries(makeSeries(260, (i) => (i === ONSET ? 110 : 100), { seed }));
      expect(results[ONSET]!.severity).toBe('high');
      expect(flagged(results, ONSET + 1, ONSET + 31)).toEqual([]);
    }
  });

  it('is not poisoned by a spike: the baseline right after it stays within 1 sigma of the true level', () => {
    const detector = createDetector();
    const state = detector.createState();
    const series = makeSeries(260, (i) => (i === ONSET ? 1000 : 100));
    let next = 0;
    series.values.forEach((v, i) => {
      const result = detector.observe(state, 'value', v, series.times[i]!);
      if (i === ONSET + 1) next = result.expected;
    });
    expect(Math.abs(next - 100)).toBeLessThan(1);
  });

  it('absorbs a slow drift (0.02 sigma per sample for 2,000 samples) into the trend without alarms', () => {
    for (const seed of SEEDS.slice(0, 5)) {
      const results = runSeries(makeSeries(2200, (i) => 100 + Math.max(0, i - ONSET) * 0.02, { seed }));
      expect(flagged(results, ONSET).length).toBeLessThanOrEqual(1);
    }
  });

  it('detects a fast ramp within 4 samples (2 sigma per sample) or 12 samples (0.5 sigma per sample)', () => {
    for (const [slope, delay] of [[2, 4], [0.5, 12]] as const) {
      for (const seed of SEEDS) {
        const results = runSeries(makeSeries(300, (i) => 100 + Math.max(0, i - ONSET) * slope, { seed }));
        expect(flagged(results, ONSET)[0]).toBeLessThanOrEqual(ONSET + delay);
      }
    }
  });

  it('handles a flat line: finite z-scores, no alarm while flat, and a 1% move off it is flagged', () => {
    const flat = { values: new Array<number>(300).fill(50), times: Array.from({ length: 300 }, (_, i) => START + i * MINUTE) };
    flat.values[250] = 50.5;
    const results = runSeries(flat);
    for (const r of results) expect(Number.isFinite(r.zscore) && Number.isFinite(r.std) && r.std > 0).toBe(true);
    expect(flagged(results, 0, 250)).toEqual([]);
    expect(results[250]!.severity).not.toBe('none');
  });

  it('does not alarm on the tiny float noise of a nearly flat line', () => {
    const noise = seededGaussian(3);
    const times = Array.from({ length: 500 }, (_, i) => START + i * MINUTE);
    const results = runSeries({ values: times.map(() => 50 + 1e-12 * noise()), times });
    expect(flagged(results)).toEqual([]);
  });

  it('after a 6-hour gap in minutely data, normal values are not alarms', () => {
    for (const seed of SEEDS) {
      const series = makeSeries(600, () => 100, { seed });
      series.times = series.times.map((t, i) => (i >= 300 ? t + 6 * HOUR : t));
      const results = runSeries(series);
      expect(flagged(results, 300, 320)).toEqual([]);
    }
  });

  it('after a gap, a 20-sigma deviation is still flagged, though the widened uncertainty tempers it', () => {
    const series = makeSeries(400, (i) => (i === 300 ? 120 : 100));
    series.times = series.times.map((t, i) => (i >= 300 ? t + 6 * HOUR : t));
    const afterGap = runSeries(series)[300]!;
    expect(afterGap.severity).not.toBe('none');
    expect(afterGap.std).toBeGreaterThan(2);
  });

  it('with irregular sampling (intervals of 10 s to 3 min), keeps quiet on noise and still flags a step', () => {
    const jitter = seededGaussian(11);
    for (const seed of SEEDS.slice(0, 5)) {
      const series = makeSeries(1000, (i) => (i >= 800 ? 108 : 100), { seed });
      let t = START;
      series.times = series.times.map(() => (t += 10_000 + Math.floor(Math.abs(jitter()) * 90_000)));
      const results = runSeries(series);
      expect(flagged(results, 0, 800).length).toBeLessThanOrEqual(1);
      expect(flagged(results, 800)[0]).toBeLessThanOrEqual(802);
    }
  });
});
