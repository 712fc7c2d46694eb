import { describe, expect, it } from 'vitest';
import { betaCdf, betaQuantile, lnGamma } from '../../../../src/domain/learning';

describe('Beta distribution', () => {
  it('lnGamma matches factorials and Γ(1/2) = √π', () => {
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(11)).toBeCloseTo(Math.log(3628800), 10);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(lnGamma(0.25)).toBeCloseTo(Math.log(3.625609908221908), 12);
  });

  it('CDF matches closed forms', () => {
    expect(betaCdf(0.5, 2, 3)).toBeCloseTo(11 / 16, 12);
    expect(betaCdf(0.3, 4, 1)).toBeCloseTo(0.3 ** 4, 12);
    // Beta(1/2, 1/2) is the arcsine distribution: CDF = (2/π) asin(√x).
    for (const x of [0.01, 0.2, 0.7, 0.99])
      expect(betaCdf(x, 0.5, 0.5)).toBeCloseTo((2 / Math.PI) * Math.asin(Math.sqrt(x)), 10);
    expect(betaCdf(0, 2, 2)).toBe(0);
    expect(betaCdf(1, 2, 2)).toBe(1);
  });

  it('quantiles of Beta(2, 3) at 5% and 95% are 0.0976 and 0.7514', () => {
    expect(betaQuantile(0.05, 2, 3)).toBeCloseTo(0.097611, 5);
    expect(betaQuantile(0.95, 2, 3)).toBeCloseTo(0.751395, 5);
  });

  it('quantiles match closed forms and invert the CDF for non-integer and large parameters', () => {
    expect(betaQuantile(0.05, 5, 1)).toBeCloseTo(0.05 ** (1 / 5), 10);
    expect(betaQuantile(0.9, 1, 3)).toBeCloseTo(1 - 0.1 ** (1 / 3), 10);
    expect(betaQuantile(0.37, 1, 1)).toBeCloseTo(0.37, 12);
    for (const [a, b] of [
      [46.1, 5.9],
      [0.3, 7.2],
      [120.5, 80.25],
    ] as const) {
      for (const p of [0.05, 0.5, 0.95]) {
        const q = betaQuantile(p, a, b);
        expect(betaCdf(q, a, b)).toBeCloseTo(p, 9);
        expect(q).toBeCloseTo(1 - betaQuantile(1 - p, b, a), 9);
      }
    }
  });

  it('rejects levels outside [0, 1]', () => {
    expect(() => betaQuantile(1.2, 2, 2)).toThrow(RangeError);
  });
});
