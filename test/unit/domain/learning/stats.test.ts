import { describe, expect, it } from 'vitest';
import { betaQuantile, DAY_MS, learningStats } from '../../../../src/domain/learning';
import type { StrategyChoice, StrategyOutcome } from '../../../../src/domain/types';

const NOW = 1_700_000_000_000;

function outcome(strategy: string, issueType: string, success: boolean, at: number): StrategyOutcome {
  return { attemptId: `${strategy}-${issueType}-${at}`, issueType, strategy, success, at };
}

describe('learningStats', () => {
  const outcomes = [
    outcome('restart_unhealthy', 'degradation', true, NOW - 3000),
    outcome('restart_unhealthy', 'degradation', false, NOW - 2000),
    outcome('restart_unhealthy', 'degradation', true, NOW - 1000),
    outcome('scale_service', 'capacity', true, NOW - 5000),
  ];
  const choices: StrategyChoice[] = [
    { issueType: 'degradation', strategy: 'restart_unhealthy', at: NOW - 500 },
    { issueType: 'degradation', strategy: 'restart_unhealthy', at: NOW - 2500 },
    { issueType: 'degradation', strategy: 'scale_service', at: NOW - 100 },
  ];

  it('gives counts, posterior mean, 90% interval, last use and choices per (strategy, issue type), sorted', () => {
    const rows = learningStats(outcomes, choices, NOW);
    expect(rows.map((r) => `${r.issue_type}/${r.strategy}`)).toEqual([
      'capacity/scale_service',
      'degradation/restart_unhealthy',
      'degradation/scale_service',
    ]);
    const restart = rows[1];
    expect(restart).toMatchObject({ attempts: 3, successes: 2, chosen_count: 2, last_used: NOW - 500 });
    // Uniform prior + 2 successes, 1 failure (discount negligible for seconds-old outcomes) = Beta(3, 2).
    expect(restart?.posterior_mean).toBeCloseTo(0.6, 4);
    expect(restart?.credible_interval_90[0]).toBeCloseTo(betaQuantile(0.05, 3, 2), 4);
    expect(restart?.credible_interval_90[1]).toBeCloseTo(betaQuantile(0.95, 3, 2), 4);
    expect(rows[2]).toMatchObject({
      attempts: 0,
      successes: 0,
      posterior_mean: 0.5,
      chosen_count: 1,
      last_used: NOW - 100,
      credible_interval_90: [0.05, 0.95],
    });
  });

  it('shows how discounting shrinks old evidence: wider interval, fewer effective attempts', () => {
    const old = Array.from({ length: 20 }, (_, i) => outcome('a', 'x', i < 18, NOW - 60 * DAY_MS - i));
    const [row] = learningStats(old, [], NOW);
    expect(row?.attempts).toBe(20);
    expect(row?.effective_attempts).toBeCloseTo(5, 3);
    const [fresh] = learningStats(old, [], NOW, Infinity);
    expect(fresh?.effective_attempts).toBe(20);
    const width = (r: typeof row): number => (r ? r.credible_interval_90[1] - r.credible_interval_90[0] : 0);
    expect(width(row)).toBeGreaterThan(width(fresh));
  });

  it('is empty without history', () => {
    expect(learningStats([], [], NOW)).toEqual([]);
  });
});
