import type { RiskLevel, StrategyOutcome } from '../types';
import {
  DEFAULT_LEARNER_OPTIONS,
  posteriorFor,
  posteriorMean,
  recommendationPrior,
  type LearnerOptions,
} from './posterior';
import { sampleBeta, type UniformRandom } from './random';

export interface SelectionInput {
  issueType: string;
  /** Recommended order (it sets the priors), already filtered to the allowed strategies. */
  candidates: readonly string[];
  outcomes: readonly StrategyOutcome[];
  risks: Readonly<Record<string, RiskLevel>>;
  /** Epoch milliseconds. */
  now: number;
  random: UniformRandom;
  options?: Partial<LearnerOptions>;
}

export interface StrategySample {
  strategy: string;
  sample: number;
  posteriorMean: number;
  alpha: number;
  beta: number;
  attempts: number;
  successes: number;
  risk: RiskLevel;
  /** Concentration multiplier applied before sampling (1 = plain posterior). */
  temper: number;
}

export interface StrategySelection {
  strategy: string;
  reason: string;
  samples: StrategySample[];
}

function fmt(x: number): string {
  return x.toFixed(3);
}

/**
 * Thompson sampling: draw once from each candidate's (risk-tempered) posterior and take the highest draw; a tie
 * keeps the recommendation order. Draws happen in candidate order, so a seeded source gives a reproducible choice.
 */
export function selectStrategy(input: SelectionInput): StrategySelection {
  const opts = { ...DEFAULT_LEARNER_OPTIONS, ...input.options };
  if (input.candidates.length === 0) throw new Error(`no candidate strategy for issue type "${input.issueType}"`);
  const samples = input.candidates.map((strategy, rank): StrategySample => {
    const risk = input.risks[strategy];
    if (risk === undefined) throw new Error(`no risk level given for strategy "${strategy}"`);
    const temper = opts.riskTemper[risk];
    const post = posteriorFor(
      input.issueType,
      strategy,
      input.outcomes,
      recommendationPrior(rank, opts.priorStrength),
      input.now,
      opts.halfLifeMs,
    );
    return {
      strategy,
      sample: sampleBeta(temper * post.alpha, temper * post.beta, input.random),
      posteriorMean: posteriorMean(post),
      alpha: post.alpha,
      beta: post.beta,
      attempts: post.attempts,
      successes: post.successes,
      risk,
      temper,
    };
  });
  const best = samples.reduce((a, b) => (b.sample > a.sample ? b : a));
  const others = samples.filter((s) => s !== best).map((s) => `${s.strategy} ${fmt(s.sample)}`);
  const evidence = `posterior mean ${fmt(best.posteriorMean)} from ${best.successes}/${best.attempts} successes, risk ${best.risk}`;
  const reason =
    others.length === 0
      ? `${best.strategy} is the only candidate for ${input.issueType} (${evidence})`
      : `Thompson sampling for ${input.issueType}: ${best.strategy} drew ${fmt(best.sample)} (${evidence}), above ${others.join(', ')}`;
  return { strategy: best.strategy, reason, samples };
}
