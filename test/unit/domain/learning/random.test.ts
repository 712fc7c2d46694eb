import { describe, expect, it } from 'vitest';
import { mulberry32, sampleBeta, sampleGamma } from '../../../../src/domain/learning';

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    s += x;
    s2 += x * x;
  }
  return { mean: s / n, variance: s2 / n - (s / n) ** 2 };
}

describe('seeded sampling', () => {
  it('mulberry32 repeats for a seed, differs across seeds and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(mulberry32(43)()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it.each([0.3, 1, 2.5, 40])('Gamma(%s) has mean and variance equal to its shape', (shape) => {
    const r = mulberry32(7);
    const m = moments(() => sampleGamma(shape, r), 40_000);
    expect(m.mean).toBeCloseTo(shape, shape < 5 ? 1 : 0);
    // Sampling error of a variance is large for skewed shapes: allow 10%.
    expect(Math.abs(m.variance / shape - 1)).toBeLessThan(0.1);
  });

  it('Beta(2, 3) draws have mean 0.4 and variance 0.04', () => {
    const r = mulberry32(11);
    const m = moments(() => sampleBeta(2, 3, r), 40_000);
    expect(m.mean).toBeCloseTo(0.4, 2);
    expect(m.variance).toBeCloseTo(0.04, 3);
  });

  it('survives a source that returns 0 and rejects a non-positive shape', () => {
    expect(Number.isFinite(sampleBeta(0.5, 0.5, () => 0))).toBe(true);
    expect(() => sampleGamma(0, mulberry32(1))).toThrow(RangeError);
  });
});
