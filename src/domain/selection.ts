// Which strategy a heal uses: the one the request names, or a Thompson sample over the learned posteriors of the
// diagnosis's recommended strategies whose preconditions hold. Pure: the learned outcomes come in as data, and are
// asked for (by the planning activity) only when there is something to sample.
import type { HealInput, StrategySelection } from './heal';
import { selectStrategy } from './learning';
import { checkPreconditions, getStrategy } from './strategies';
import type { HealContext, RiskLevel, Strategy, StrategyOutcome } from './types';

export interface Selected {
  strategy: Strategy | null;
  selection: StrategySelection;
}

/** The decision before any learning is needed: explicit or none (`decided`), or the candidates to sample among. */
export type SelectionStart = { decided: Selected } | { candidates: string[] };

export function startSelection(heal: HealInput, context: HealContext): SelectionStart {
  if (heal.strategy) {
    return {
      decided: {
        strategy: getStrategy(heal.strategy) ?? null,
        selection: { method: 'explicit', reason: `requested by ${heal.actor}`, candidates: [heal.strategy] },
      },
    };
  }
  const recommended = heal.diagnosis.recommended_strategies.filter((n) => getStrategy(n));
  const allowed = recommended.filter((n) => checkPreconditions(getStrategy(n)!, context).every((c) => c.passed));
  if (allowed.length === 0) {
    const reason = recommended.length
      ? `no recommended strategy has its preconditions met (${recommended.join(', ')})`
      : 'the diagnosis recommends no known strategy';
    return { decided: { strategy: null, selection: { method: 'none', reason, candidates: recommended } } };
  }
  return { candidates: allowed };
}

/** Thompson sampling among the candidates, riskier strategies exploring less. */
export function sampleStrategy(input: { issueType: string; candidates: string[]; outcomes: StrategyOutcome[]; now: number; random: () => number }): Selected {
  const { candidates } = input;
  const risks: Record<string, RiskLevel> = Object.fromEntries(candidates.map((n) => [n, getStrategy(n)!.risk]));
  const choice = selectStrategy({ issueType: input.issueType, candidates, outcomes: input.outcomes, risks, now: input.now, random: input.random });
  return {
    strategy: getStrategy(choice.strategy)!,
    selection: {
      method: 'thompson',
      reason: choice.reason,
      candidates,
      samples: choice.samples.map((s) => ({ strategy: s.strategy, sample: s.sample, posteriorMean: s.posteriorMean })),
    },
  };
}
