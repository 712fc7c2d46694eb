import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  discountWeight,
  mulberry32,
  posteriorFor,
  recommendationPrior,
  selectStrategy,
  type SelectionInput,
} from '../../../../src/domain/learning';
import type { RiskLevel, StrategyOutcome } from '../../../../src/domain/types';

const NOW = 1_700_000_000_000;
const LOW = { a: 'low', b: 'low', c: 'low' } as const;

function outcomes(strategy: string, successes: number, failures: number, at = NOW): StrategyOutcome[] {
  return Array.from({ length: successes + failures }, (_, i) => ({
    attemptId: `${strategy}-${at}-${i}`,
    issueType: 'degradation',
    strategy,
    success: i < successes,
    at,
  }));
}

/** How often each strategy wins over `n` seeded selections. */
function wins(input: Omit<SelectionInput, 'random' | 'issueType' | 'now'>, n = 2000, seed = 1): Record<string, number> {
  const random = mulberry32(seed);
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const s = selectStrategy({ ...input, issueType: 'degradation', now: NOW, random }).strategy;
    counts[s] = (counts[s] ?? 0) + 1;
  }
  return counts;
}

describe('selectStrategy (Thompson sampling)', () => {
  it('converges to the best of 0.2 / 0.5 / 0.8 within 200 attempts, even when it is recommended last', () => {
    const rates: Record<string, number> = { a: 0.2, b: 0.5, c: 0.8 };
    const env = mulberry32(99);
    const random = mulberry32(100);
    const history: StrategyOutcome[] = [];
    const picks: string[] = [];
    for (let t = 0; t < 200; t++) {
      const { strategy } = selectStrategy({
        issueType: 'degradation',
        candidates: ['a', 'b', 'c'],
        outcomes: history,
        risks: LOW,
        now: NOW + t,
        random,
      });
      picks.push(strategy);
      history.push({
        attemptId: `${t}`,
        issueType: 'degradation',
        strategy,
        success: env() < (rates[strategy] as number),
        at: NOW + t,
      });
    }
    expect(picks.slice(150).filter((s) => s === 'c').length).toBeGreaterThanOrEqual(45);
  });

  it('does not let one success in one try beat 45 of 50', () => {
    const counts = wins({
      candidates: ['a', 'b'],
      outcomes: [...outcomes('a', 1, 0), ...outcomes('b', 45, 5)],
      risks: LOW,
    });
    expect(counts.b).toBeGreaterThan(1200); // over 60% of 2000 draws
    const r = selectStrategy({
      issueType: 'degradation',
      candidates: ['a', 'b'],
      outcomes: outcomes('b', 45, 5),
      risks: LOW,
      now: NOW,
      random: mulberry32(3),
    });
    expect(r.samples[1]).toMatchObject({ strategy: 'b', attempts: 50, successes: 45, alpha: 46.1, beta: 5.9 });
    expect(r.samples[1]?.posteriorMean).toBeCloseTo(46.1 / 52, 10);
  });

  it('favours the first recommendation slightly before any evidence', () => {
    expect(recommendationPrior(0, 2)).toEqual({ alpha: 1.2, beta: 0.8 });
    expect(recommendationPrior(1, 2).alpha).toBeCloseTo(1.1, 12);
    const counts = wins({ candidates: ['a', 'b'], outcomes: [], risks: LOW }, 4000);
    expect(counts.a).toBeGreaterThan(2100);
  });

  it('discounts old evidence: an outcome one half-life old counts half', () => {
    expect(discountWeight(NOW - 30 * DAY_MS, NOW, 30 * DAY_MS)).toBeCloseTo(0.5, 12);
    expect(discountWeight(NOW + 1, NOW, 30 * DAY_MS)).toBe(1);
    const post = posteriorFor(
      'degradation',
      'a',
      outcomes('a', 4, 0, NOW - 60 * DAY_MS),
      { alpha: 1, beta: 1 },
      NOW,
      30 * DAY_MS,
    );
    expect(post).toMatchObject({ attempts: 4, successes: 4, alpha: 2, beta: 1, effectiveAttempts: 1 });
  });

  it('follows recent evidence over old evidence once it is discounted', () => {
    // a was great half a year ago and has failed lately; b is steadily decent.
    const history = [
      ...outcomes('a', 40, 0, NOW - 180 * DAY_MS),
      ...outcomes('a', 0, 6, NOW - DAY_MS),
      ...outcomes('b', 7, 3, NOW - DAY_MS),
    ];
    const discounted = wins({ candidates: ['a', 'b'], outcomes: history, risks: LOW });
    const undiscounted = wins({
      candidates: ['a', 'b'],
      outcomes: history,
      risks: LOW,
      options: { halfLifeMs: Infinity },
    });
    expect(discounted.b).toBeGreaterThan(1600);
    expect(undiscounted.a).toBeGreaterThan(1600);
  });

  it('explores less with riskier strategies: tempered draws keep the mean but spread less', () => {
    const proven = outcomes('a', 14, 6); // mean about 0.7
    const asRisk = (risk: RiskLevel): number =>
      wins({ candidates: ['a', 'b'], outcomes: proven, risks: { a: 'low', b: risk } }, 3000).b ?? 0;
    const [low, medium, high] = [asRisk('low'), asRisk('medium'), asRisk('high')];
    expect(low).toBeGreaterThan(medium);
    expect(medium).toBeGreaterThan(high);
    const r = selectStrategy({
      issueType: 'degradation',
      candidates: ['a', 'b'],
      outcomes: proven,
      risks: { a: 'low', b: 'high' },
      now: NOW,
      random: mulberry32(5),
    });
    expect(r.samples.map((s) => [s.risk, s.temper])).toEqual([
      ['low', 1],
      ['high', 4],
    ]);
  });

  it('is reproducible for a seed, explains its choice and reports every candidate in order', () => {
    const input = {
      issueType: 'degradation',
      candidates: ['a', 'b', 'c'],
      outcomes: outcomes('b', 3, 1),
      risks: LOW,
      now: NOW,
    };
    const first = selectStrategy({ ...input, random: mulberry32(8) });
    expect(selectStrategy({ ...input, random: mulberry32(8) })).toEqual(first);
    expect(first.samples.map((s) => s.strategy)).toEqual(['a', 'b', 'c']);
    expect(first.reason).toMatch(new RegExp(`^Thompson sampling for degradation: ${first.strategy} drew 0\\.\\d{3}`));
    const only = selectStrategy({ ...input, candidates: ['b'], random: mulberry32(8) });
    expect(only.reason).toContain(
      'b is the only candidate for degradation (posterior mean 0.700 from 3/4 successes, risk low)',
    );
  });

  it('refuses an empty candidate list and a candidate without a risk level', () => {
    const base = { issueType: 'degradation', outcomes: [], now: NOW, random: mulberry32(1) };
    expect(() => selectStrategy({ ...base, candidates: [], risks: {} })).toThrow(
      'no candidate strategy for issue type "degradation"',
    );
    expect(() => selectStrategy({ ...base, candidates: ['z'], risks: {} })).toThrow(
      'no risk level given for strategy "z"',
    );
  });
});
