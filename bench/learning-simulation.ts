// Simulation core for bench/strategy-selection.ts: policies pick among arms with known true success rates.
import { mulberry32, selectGreedy, selectStrategy, type UniformRandom } from '../src/domain/learning';
import type { StrategyOutcome } from '../src/domain/types';

export const HOUR_MS = 3_600_000;
const ISSUE = 'degradation';

export interface Scenario {
  name: string;
  /** Arm names in recommendation order (this order sets the Thompson priors and breaks greedy ties). */
  arms: string[];
  /** True success rate of each arm at attempt t (1-based). */
  rates: (t: number) => number[];
}

export interface Policy {
  name: string;
  choose: (outcomes: StrategyOutcome[], arms: string[], now: number, random: UniformRandom) => string;
}

export function thompsonPolicy(name: string, halfLifeMs: number): Policy {
  return {
    name,
    choose: (outcomes, arms, now, random) =>
      selectStrategy({
        issueType: ISSUE,
        candidates: arms,
        outcomes,
        risks: Object.fromEntries(arms.map((a) => [a, 'low' as const])),
        now,
        random,
        options: { halfLifeMs },
      }).strategy,
  };
}

export const greedyPolicy: Policy = {
  name: 'greedy (spec)',
  choose: (outcomes, arms) => selectGreedy({ issueType: ISSUE, candidates: arms, outcomes }).strategy,
};

export interface RunTrace {
  /** Index of the chosen arm at each attempt. */
  chosen: number[];
  /** Index of the best arm at each attempt (it may change). */
  best: number[];
  /** Expected regret of each attempt: best true rate minus the chosen arm's true rate. */
  regret: number[];
}

/**
 * One run: attempt t happens at hour t. Outcomes come from a table of uniforms drawn from the seed, so every policy
 * faces the same luck (common random numbers) and differences come from the policy alone.
 */
export function simulate(scenario: Scenario, policy: Policy, attempts: number, seed: number): RunTrace {
  const luck = mulberry32(seed);
  const table = Array.from({ length: attempts }, () => scenario.arms.map(() => luck()));
  const policyRandom = mulberry32(seed ^ 0x9e3779b9);
  const outcomes: StrategyOutcome[] = [];
  const trace: RunTrace = { chosen: [], best: [], regret: [] };
  for (let t = 1; t <= attempts; t++) {
    const rates = scenario.rates(t);
    const now = t * HOUR_MS;
    const arm = policy.choose(outcomes, scenario.arms, now, policyRandom);
    const i = scenario.arms.indexOf(arm);
    const rate = rates[i] as number;
    const top = Math.max(...rates);
    trace.chosen.push(i);
    trace.best.push(rates.indexOf(top));
    trace.regret.push(top - rate);
    const success = (table[t - 1]?.[i] as number) < rate;
    outcomes.push({ attemptId: `${seed}-${t}`, issueType: ISSUE, strategy: arm, success, at: now });
  }
  return trace;
}

export interface Summary {
  /** Mean share of picks of the best arm over attempts [from, to]. */
  bestPickShare: number;
  /** Share of runs whose most-chosen arm over attempts [from, to] is the best. */
  mostChosenIsBest: number;
  /** Share of runs whose last choice is the best arm. */
  finalChoiceIsBest: number;
  /** Mean cumulative expected regret over all attempts, and over attempts [regretFrom, end]. */
  meanRegret: number;
  meanRegretLate: number;
}

export function summarize(traces: RunTrace[], window: { from: number; to: number }, regretFrom: number): Summary {
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const perRun = traces.map((tr) => {
    const idx = Array.from({ length: window.to - window.from + 1 }, (_, k) => window.from - 1 + k);
    const hits = idx.filter((k) => tr.chosen[k] === tr.best[k]).length;
    const counts = new Map<number, number>();
    for (const k of idx) counts.set(tr.chosen[k] as number, (counts.get(tr.chosen[k] as number) ?? 0) + 1);
    const mostChosen = [...counts.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    const last = tr.chosen.length - 1;
    return {
      share: hits / idx.length,
      mostChosenIsBest: mostChosen === tr.best[window.to - 1] ? 1 : 0,
      finalIsBest: tr.chosen[last] === tr.best[last] ? 1 : 0,
      regret: tr.regret.reduce((a, b) => a + b, 0),
      regretLate: tr.regret.slice(regretFrom - 1).reduce((a, b) => a + b, 0),
    };
  });
  return {
    bestPickShare: mean(perRun.map((r) => r.share)),
    mostChosenIsBest: mean(perRun.map((r) => r.mostChosenIsBest)),
    finalChoiceIsBest: mean(perRun.map((r) => r.finalIsBest)),
    meanRegret: mean(perRun.map((r) => r.regret)),
    meanRegretLate: mean(perRun.map((r) => r.regretLate)),
  };
}
