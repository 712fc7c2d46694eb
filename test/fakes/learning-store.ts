// In memory, the LearningStore port as Neo4jLearningStore keeps it: one outcome and one choice per attempt, the
// first record wins; reads oldest first.
import type { LearningStore } from '../../src/adapters/ports';
import type { StrategyChoice, StrategyOutcome } from '../../src/domain/types';

const oldestFirst = <T extends { at: number; attemptId: string }>(a: T, b: T) => a.at - b.at || (a.attemptId < b.attemptId ? -1 : a.attemptId > b.attemptId ? 1 : 0);

export class FakeLearningStore implements LearningStore {
  readonly outcomesByAttempt = new Map<string, StrategyOutcome>();
  readonly choicesByAttempt = new Map<string, StrategyChoice & { attemptId: string }>();

  async recordOutcome(outcome: StrategyOutcome): Promise<void> {
    if (!this.outcomesByAttempt.has(outcome.attemptId)) this.outcomesByAttempt.set(outcome.attemptId, { ...outcome });
  }

  async recordChoice(choice: StrategyChoice & { attemptId: string }): Promise<void> {
    if (!this.choicesByAttempt.has(choice.attemptId)) this.choicesByAttempt.set(choice.attemptId, { ...choice });
  }

  async outcomes(issueType?: string): Promise<StrategyOutcome[]> {
    return [...this.outcomesByAttempt.values()].filter((o) => issueType === undefined || o.issueType === issueType).sort(oldestFirst);
  }

  async choices(issueType?: string): Promise<StrategyChoice[]> {
    return [...this.choicesByAttempt.values()]
      .filter((c) => issueType === undefined || c.issueType === issueType)
      .sort(oldestFirst)
      .map(({ issueType: i, strategy, at }) => ({ issueType: i, strategy, at }));
  }
}
