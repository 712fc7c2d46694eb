import type { StrategyOutcome } from '../types';

/** Rate assumed for a strategy never tried: neither favoured nor ruled out (our reading of the spec's rule). */
export const UNTRIED_RATE = 0.5;

export interface GreedyInput {
  issueType: string;
  candidates: readonly string[];
  outcomes: readonly StrategyOutcome[];
}

export interface GreedyRate {
  strategy: string;
  successes: number;
  attempts: number;
  rate: number;
}

/**
 * The spec's rule, kept as the baseline the learner is measured against: the highest raw success rate
 * (successes / attempts, no prior, no discount; untried = 0.5), ties to the earlier recommendation.
 */
export function selectGreedy(input: GreedyInput): { strategy: string; reason: string; rates: GreedyRate[] } {
  if (input.candidates.length === 0) throw new Error(`no candidate strategy for issue type "${input.issueType}"`);
  const rates = input.candidates.map((strategy): GreedyRate => {
    const mine = input.outcomes.filter((o) => o.issueType === input.issueType && o.strategy === strategy);
    const successes = mine.filter((o) => o.success).length;
    return {
      strategy,
      successes,
      attempts: mine.length,
      rate: mine.length === 0 ? UNTRIED_RATE : successes / mine.length,
    };
  });
  const best = rates.reduce((a, b) => (b.rate > a.rate ? b : a));
  return {
    strategy: best.strategy,
    reason: `greedy: ${best.strategy} has the highest raw success rate ${best.successes}/${best.attempts}`,
    rates,
  };
}
