import type { LearningStat, StrategyChoice, StrategyOutcome } from '../types';
import { betaQuantile } from './beta-distribution';
import { DEFAULT_LEARNER_OPTIONS, posteriorFor, posteriorMean } from './posterior';

/** Stats have no recommendation order to set a prior from, so they use the uniform Beta(1, 1). */
const UNIFORM_PRIOR = { alpha: 1, beta: 1 };

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/**
 * One row per (strategy, issue type) seen in outcomes or choices, sorted by issue type then strategy: raw counts,
 * the discounted posterior's mean and 90% credible interval, last use, and how often the learner chose it.
 */
export function learningStats(
  outcomes: readonly StrategyOutcome[],
  choices: readonly StrategyChoice[],
  now: number,
  halfLifeMs: number = DEFAULT_LEARNER_OPTIONS.halfLifeMs,
): LearningStat[] {
  const keys = new Map<string, { issueType: string; strategy: string }>();
  for (const e of [...outcomes, ...choices])
    keys.set(JSON.stringify([e.issueType, e.strategy]), { issueType: e.issueType, strategy: e.strategy });
  const rows = [...keys.values()].map(({ issueType, strategy }): LearningStat => {
    const post = posteriorFor(issueType, strategy, outcomes, UNIFORM_PRIOR, now, halfLifeMs);
    const mine = (e: { issueType: string; strategy: string }): boolean =>
      e.issueType === issueType && e.strategy === strategy;
    const times = [...outcomes.filter(mine), ...choices.filter(mine)].map((e) => e.at);
    return {
      strategy,
      issue_type: issueType,
      attempts: post.attempts,
      successes: post.successes,
      effective_attempts: round4(post.effectiveAttempts),
      posterior_mean: round4(posteriorMean(post)),
      credible_interval_90: [
        round4(betaQuantile(0.05, post.alpha, post.beta)),
        round4(betaQuantile(0.95, post.alpha, post.beta)),
      ],
      last_used: Math.max(...times),
      chosen_count: choices.filter(mine).length,
    };
  });
  return rows.sort((a, b) => a.issue_type.localeCompare(b.issue_type) || a.strategy.localeCompare(b.strategy));
}
