// Properties over arbitrary finite input: scores stay in [0, 1], states stay finite and JSON-safe, and rejected
// samples leave the state deep-equal.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  anomalyScore,
  cloneBaselineState,
  createDetector,
  MAX_ABS_VALUE,
  parseBaselineState,
} from '../../../../src/domain/detection';
import { START } from './synthetic';

const value = fc.double({ min: -MAX_ABS_VALUE, max: MAX_ABS_VALUE, noNaN: true });
const step = fc.integer({ min: 1, max: 30 * 86_400_000 });
const metric = fc.constantFrom('value', 'error_rate', 'cpu_load', 'latency_p95', 'queue_depth', 'requests');
const samples = fc.array(fc.tuple(value, step), { minLength: 1, maxLength: 60 });

function allFinite(state: object): boolean {
  return Object.values(state).every((v) =>
    typeof v === 'number' ? Number.isFinite(v) : Array.isArray(v) ? v.every(Number.isFinite) : true,
  );
}

describe('detector properties', () => {
  it('keeps score in [0, 1], z-score, expected and std finite, and the state finite, for any finite series', () => {
    fc.assert(
      fc.property(metric, samples, (name, series) => {
        const detector = createDetector();
        const state = detector.createState();
        let at = START;
        for (const [v, dt] of series) {
          const result = detector.observe(state, name, v, (at += dt));
          expect(result.score).toBeGreaterThanOrEqual(0);
          expect(result.score).toBeLessThanOrEqual(1);
          for (const x of [result.zscore, result.expected, result.std]) expect(Number.isFinite(x)).toBe(true);
          expect(allFinite(state)).toBe(true);
        }
        // The persisted form is JSON, which writes -0 as 0: the parsed record must equal what was stored.
        const stored = JSON.parse(JSON.stringify(state)) as unknown;
        expect(parseBaselineState(stored)).toEqual(stored);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves the state deep-equal when a sample is rejected, whatever came before', () => {
    const bad = fc.oneof(
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
      fc.double({ min: MAX_ABS_VALUE * 2, max: Number.MAX_VALUE, noNaN: true }),
    );
    fc.assert(
      fc.property(metric, samples, bad, fc.integer({ min: 1, max: 1_000_000 }), (name, series, badValue, back) => {
        const detector = createDetector();
        const state = detector.createState();
        let at = START;
        for (const [v, dt] of series) detector.observe(state, name, v, (at += dt));
        const before = cloneBaselineState(state);
        expect(detector.observe(state, name, badValue, at + 1).accepted).toBe(false);
        if (state.lastAt !== null) expect(detector.observe(state, name, 1, state.lastAt - back).accepted).toBe(false);
        expect(state).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });

  it('maps evidence to a score monotonically within [0, 1]', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e300, noNaN: true }), fc.double({ min: 0, max: 1e300, noNaN: true }), (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(anomalyScore(low, 2)).toBeLessThanOrEqual(anomalyScore(high, 2));
        expect(anomalyScore(high, 2)).toBeLessThanOrEqual(1);
        expect(anomalyScore(low, 2)).toBeGreaterThanOrEqual(0);
      }),
    );
    expect(anomalyScore(2, 2)).toBeCloseTo(0.5);
  });
});
