// Daily seasonality: a business-hours plateau (+60 from 10:00 to 17:00, ramps either side) sampled every 15 minutes.
import { describe, expect, it } from 'vitest';
import { createDetector } from '../../../../src/domain/detection';
import { DAY, flagged, HOUR, makeSeries, MINUTE, runSeries } from './synthetic';

const INTERVAL = 15 * MINUTE;
const PER_DAY = DAY / INTERVAL;

function businessHours(t: number): number {
  const hour = (t % DAY) / HOUR;
  if (hour < 8 || hour >= 19) return 0;
  if (hour < 10) return (hour - 8) / 2;
  return hour < 17 ? 1 : (19 - hour) / 2;
}

function week(seed: number, days = 14) {
  return makeSeries(days * PER_DAY, (_i, t) => 100 + 60 * businessHours(t), { seed, sigma: 2, intervalMs: INTERVAL });
}

describe('daily seasonality', () => {
  it('once a week is learned, raises no alarm on the normal daily peaks (days 7-12)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      expect(flagged(runSeries(week(seed)), 7 * PER_DAY, 12 * PER_DAY)).toEqual([]);
    }
  });

  it('does better than no seasonal profile at all on the same data', () => {
    const withProfile = [1, 2, 3].map((seed) => flagged(runSeries(week(seed)), 7 * PER_DAY).length);
    const without = [1, 2, 3].map((seed) => flagged(runSeries(week(seed), { seasonPeriodMs: 0 }), 7 * PER_DAY).length);
    expect(withProfile.reduce((a, b) => a + b)).toBeLessThan(without.reduce((a, b) => a + b));
  });

  it('flags an off-season value: the daytime level at 03:00', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const series = week(seed);
      const at = 12 * PER_DAY + 3 * 4;
      series.values[at] = 130;
      expect(runSeries(series)[at]!.severity).toBe('high');
    }
  });

  it('uses the profile only when it is significant: not for plain noise', () => {
    const detector = createDetector();
    const state = detector.createState();
    const noise = makeSeries(5 * PER_DAY, () => 100, { intervalMs: INTERVAL });
    noise.values.forEach((v, i) => detector.observe(state, 'value', v, noise.times[i]!));
    expect(state.seasonActive).toBe(false);
    const seasonal = week(1, 5);
    const seasonalState = detector.createState();
    seasonal.values.forEach((v, i) => detector.observe(seasonalState, 'value', v, seasonal.times[i]!));
    expect(seasonalState.seasonActive).toBe(true);
  });

  it('follows a configured period (--period): a 6-hour cycle sampled every 30 minutes', () => {
    const cycle = (t: number) => 100 + 40 * Math.sin((2 * Math.PI * (t % (6 * HOUR))) / (6 * HOUR));
    const series = makeSeries(40 * 12, (_i, t) => cycle(t), { sigma: 1, intervalMs: 30 * MINUTE });
    const results = runSeries(series, { seasonPeriodMs: 6 * HOUR, seasonBuckets: 12 });
    expect(flagged(results, 20 * 12).length).toBeLessThanOrEqual(1);
  });
});
