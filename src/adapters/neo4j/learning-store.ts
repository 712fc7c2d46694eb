// Strategy outcomes and choices for the learner. One node per attempt (MERGE on attemptId): the first record wins,
// so a retried activity can neither duplicate nor rewrite an outcome.
import neo4j from 'neo4j-driver';
import type { LearningStore } from '../ports';
import type { StrategyChoice, StrategyOutcome } from '../../domain/types';
import type { Neo4jConnection } from './driver';
import { num, str } from './values';

export class Neo4jLearningStore implements LearningStore {
  constructor(private readonly connection: Neo4jConnection) {}

  async recordOutcome(outcome: StrategyOutcome): Promise<void> {
    // The attempt node may not be recorded yet: MERGE it by id so the OUTCOME link exists either way.
    await this.write(
      `MERGE (o:StrategyOutcome {attemptId: $attemptId})
       ON CREATE SET o.issueType = $issueType, o.strategy = $strategy, o.success = $success, o.at = $at
       MERGE (a:HealingAttempt {id: $attemptId})
       MERGE (a)-[:OUTCOME]->(o)`,
      { ...outcome, at: neo4j.int(Math.trunc(outcome.at)) },
    );
  }

  async recordChoice(choice: StrategyChoice & { attemptId: string }): Promise<void> {
    await this.write(
      `MERGE (c:StrategyChoice {attemptId: $attemptId})
       ON CREATE SET c.issueType = $issueType, c.strategy = $strategy, c.at = $at`,
      { attemptId: choice.attemptId, issueType: choice.issueType, strategy: choice.strategy, at: neo4j.int(Math.trunc(choice.at)) },
    );
  }

  /** Oldest first. */
  async outcomes(issueType?: string): Promise<StrategyOutcome[]> {
    const records = await this.read(
      `MATCH (o:StrategyOutcome) ${issueType === undefined ? '' : 'WHERE o.issueType = $issueType'}
       RETURN o {.*} AS o ORDER BY o.at, o.attemptId`,
      { issueType: issueType ?? null },
    );
    return records.map((r) => {
      const o = r.get('o') as Record<string, unknown>;
      return { attemptId: str(o.attemptId), issueType: str(o.issueType), strategy: str(o.strategy), success: o.success === true, at: num(o.at) };
    });
  }

  /** Oldest first. */
  async choices(issueType?: string): Promise<StrategyChoice[]> {
    const records = await this.read(
      `MATCH (c:StrategyChoice) ${issueType === undefined ? '' : 'WHERE c.issueType = $issueType'}
       RETURN c.issueType AS issueType, c.strategy AS strategy, c.at AS at ORDER BY c.at, c.attemptId`,
      { issueType: issueType ?? null },
    );
    return records.map((r) => ({ issueType: str(r.get('issueType')), strategy: str(r.get('strategy')), at: num(r.get('at')) }));
  }

  private async write(cypher: string, params: Record<string, unknown>): Promise<void> {
    await this.connection.driver.executeQuery(cypher, params, { database: this.connection.database });
  }

  private async read(cypher: string, params: Record<string, unknown>) {
    const { records } = await this.connection.driver.executeQuery(cypher, params, { database: this.connection.database, routing: 'READ' });
    return records;
  }
}
