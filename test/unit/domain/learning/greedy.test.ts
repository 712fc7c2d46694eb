import { describe, expect, it } from 'vitest';
import { selectGreedy, UNTRIED_RATE } from '../../../../src/domain/learning';
import type { StrategyOutcome } from '../../../../src/domain/types';

function outcomes(strategy: string, successes: number, failures: number, issueType = 'degradation'): StrategyOutcome[] {
  return Array.from({ length: successes + failures }, (_, i) => ({
    attemptId: `${strategy}-${i}`,
    issueType,
    strategy,
    success: i < successes,
    at: i,
  }));
}

describe('selectGreedy (the spec baseline)', () => {
  it('lets one success in one try beat 45 of 50: the flaw the learner fixes', () => {
    const r = selectGreedy({
      issueType: 'degradation',
      candidates: ['b', 'a'],
      outcomes: [...outcomes('a', 1, 0), ...outcomes('b', 45, 5)],
    });
    expect(r.strategy).toBe('a');
    expect(r.rates).toEqual([
      { strategy: 'b', successes: 45, attempts: 50, rate: 0.9 },
      { strategy: 'a', successes: 1, attempts: 1, rate: 1 },
    ]);
  });

  it('rates untried strategies 0.5, ties go to the earlier recommendation, other issue types do not count', () => {
    expect(UNTRIED_RATE).toBe(0.5);
    expect(selectGreedy({ issueType: 'x', candidates: ['a', 'b'], outcomes: [] }).strategy).toBe('a');
    expect(selectGreedy({ issueType: 'x', candidates: ['a', 'b'], outcomes: outcomes('a', 0, 1, 'x') }).strategy).toBe(
      'b',
    );
    expect(
      selectGreedy({ issueType: 'x', candidates: ['a', 'b'], outcomes: outcomes('b', 1, 0, 'other') }).strategy,
    ).toBe('a');
  });

  it('explains its choice and refuses an empty candidate list', () => {
    expect(selectGreedy({ issueType: 'x', candidates: ['a'], outcomes: outcomes('a', 3, 1, 'x') }).reason).toContain(
      'a has the highest raw success rate 3/4',
    );
    expect(() => selectGreedy({ issueType: 'x', candidates: [], outcomes: [] })).toThrow('no candidate strategy');
  });
});
