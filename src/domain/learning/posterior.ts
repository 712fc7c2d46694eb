import type { RiskLevel, StrategyOutcome } from '../types';

export interface LearnerOptions {
  /** Age at which an outcome counts half; Infinity disables discounting. */
  halfLifeMs: number;
  /** Pseudo-counts of the recommendation-order prior (alpha + beta). */
  priorStrength: number;
  /** Concentration multiplier per risk: sampling Beta(k·α, k·β) keeps the mean but narrows the spread, so riskier strategies explore less. */
  riskTemper: Record<RiskLevel, number>;
}

export const DAY_MS = 86_400_000;

export const DEFAULT_LEARNER_OPTIONS: Readonly<LearnerOptions> = {
  halfLifeMs: 30 * DAY_MS,
  priorStrength: 2,
  riskTemper: { low: 1, medium: 2, high: 4 },
};

export interface BetaPosterior {
  alpha: number;
  beta: number;
  /** Raw counts, undiscounted. */
  attempts: number;
  successes: number;
  /** Sum of discount weights: how many attempts the posterior is worth today. */
  effectiveAttempts: number;
}

/** Weight of an outcome observed at `at`: halves every half-life; outcomes from the future count fully. */
export function discountWeight(at: number, now: number, halfLifeMs: number): number {
  return at >= now ? 1 : Math.pow(0.5, (now - at) / halfLifeMs);
}

/**
 * The prior of the strategy at `rank` in the recommendation order: mean 0.5 + 0.1·2^-rank (0.6, 0.55, 0.525, …)
 * with `strength` pseudo-counts. The first recommendation is slightly favoured before any evidence, and two real
 * outcomes already weigh as much as the whole prior.
 */
export function recommendationPrior(rank: number, strength: number): { alpha: number; beta: number } {
  const mean = 0.5 + 0.1 * Math.pow(0.5, rank);
  return { alpha: strength * mean, beta: strength * (1 - mean) };
}

/** Beta posterior of one (issue type, strategy): prior plus discounted successes and failures. */
export function posteriorFor(
  issueType: string,
  strategy: string,
  outcomes: readonly StrategyOutcome[],
  prior: { alpha: number; beta: number },
  now: number,
  halfLifeMs: number,
): BetaPosterior {
  const posterior: BetaPosterior = { ...prior, attempts: 0, successes: 0, effectiveAttempts: 0 };
  for (const o of outcomes) {
    if (o.issueType !== issueType || o.strategy !== strategy) continue;
    const w = discountWeight(o.at, now, halfLifeMs);
    posterior.attempts += 1;
    posterior.effectiveAttempts += w;
    if (o.success) {
      posterior.successes += 1;
      posterior.alpha += w;
    } else {
      posterior.beta += w;
    }
  }
  return posterior;
}

export function posteriorMean(p: { alpha: number; beta: number }): number {
  return p.alpha / (p.alpha + p.beta);
}
