// `selfheal strategies` and `selfheal learning`: the strategy library, and what the learner believes about each
// strategy per issue type (posterior mean with its 90% credible interval, drawn as a bar).
import type { LearningStat, Strategy } from '../../domain/types';
import { apiClient, CLIENT_OPTIONS, CLIENT_USAGE } from '../api-client';
import type { Command } from '../command';
import { num, printJson, printLines, table } from '../output';

const BAR_WIDTH = 20;

/** [....====●===......] over [0, 1]: the 90% interval as '=', the mean as '●'. */
export function intervalBar([low, high]: [number, number], mean: number): string {
  const at = (p: number) => Math.min(BAR_WIDTH - 1, Math.max(0, Math.floor(p * BAR_WIDTH)));
  const cells: string[] = Array.from({ length: BAR_WIDTH }, (_, i) => (i >= at(low) && i <= at(high) ? '=' : '.'));
  cells[at(mean)] = '●';
  return `[${cells.join('')}]`;
}

export const strategiesCommand: Command = {
  name: 'strategies',
  summary: 'list the strategy library',
  usage: `selfheal strategies ${CLIENT_USAGE}`,
  options: { ...CLIENT_OPTIONS },
  async run(values) {
    const { strategies } = (await apiClient(values, 'viewer').expect('GET', '/api/self_healing/strategies')) as { strategies: Strategy[] };
    if (values.json) printJson(strategies);
    else {
      printLines(
        table(
          ['strategy', 'risk', 'approval', 'blast radius', 'cooldown', 'actions'],
          strategies.map((s) => [s.name, s.risk, s.requires_approval ? 'required' : 'no', String(s.blast_radius), `${s.cooldown_seconds}s`, s.actions.map((a) => a.kind).join(', ')]),
        ),
      );
    }
    return 0;
  },
};

export const learningCommand: Command = {
  name: 'learning',
  summary: "show each strategy's learned success rate per issue type, with its 90% credible interval",
  usage: `selfheal learning ${CLIENT_USAGE}`,
  options: { ...CLIENT_OPTIONS },
  async run(values) {
    const { stats } = (await apiClient(values, 'viewer').expect('GET', '/api/self_healing/learning')) as { stats: LearningStat[] };
    if (values.json) printJson(stats);
    else if (stats.length === 0) printLines(['no applied heals recorded yet: every strategy is at its prior']);
    else {
      const sorted = [...stats].sort((a, b) => a.issue_type.localeCompare(b.issue_type) || b.posterior_mean - a.posterior_mean);
      printLines(
        table(
          ['issue type', 'strategy', 'successes', 'mean', '90% interval', '0 ... 1', 'last used'],
          sorted.map((s) => [
            s.issue_type, s.strategy, `${s.successes}/${s.attempts}`, num(s.posterior_mean),
            `${num(s.credible_interval_90[0])}-${num(s.credible_interval_90[1])}`, intervalBar(s.credible_interval_90, s.posterior_mean),
            s.last_used === null ? 'never' : new Date(s.last_used).toISOString(),
          ]),
        ),
      );
    }
    return 0;
  },
};
