// LearningStore on the real Neo4j: idempotent per attempt, filtered by issue type, epoch-ms numbers back.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Neo4jConnection } from '../../../src/adapters/neo4j/driver';
import { Neo4jLearningStore } from '../../../src/adapters/neo4j/learning-store';
import { connectTestNeo4j, deleteAttempts } from '../../helpers/neo4j';

let connection: Neo4jConnection;
let learning: Neo4jLearningStore;
const attemptIds: string[] = [];
const issueType = `issue-${randomUUID()}`;

function newAttemptId(): string {
  const id = `heal-${randomUUID()}`;
  attemptIds.push(id);
  return id;
}

beforeAll(async () => {
  connection = await connectTestNeo4j();
  learning = new Neo4jLearningStore(connection);
});

afterAll(async () => {
  await deleteAttempts(connection, attemptIds);
  await connection.driver.close();
});

describe('Neo4jLearningStore', () => {
  it('records each outcome once per attempt (the first record wins) and links it to its attempt', async () => {
    const outcomes = [
      { attemptId: newAttemptId(), issueType, strategy: 'restart_container', success: true, at: 1_700_000_000_123 },
      { attemptId: newAttemptId(), issueType, strategy: 'scale_up', success: false, at: 1_700_000_000_456 },
    ];
    for (const o of outcomes) await Promise.all([learning.recordOutcome(o), learning.recordOutcome(o)]);
    await learning.recordOutcome({ ...outcomes[0]!, success: false, at: 1_800_000_000_000 });

    expect(await learning.outcomes(issueType)).toEqual(outcomes);
    expect((await learning.outcomes()).filter((o) => o.issueType === issueType)).toHaveLength(2);
    const { records } = await connection.driver.executeQuery(
      'MATCH (a:HealingAttempt)-[:OUTCOME]->(o:StrategyOutcome) WHERE o.attemptId IN $ids AND a.id = o.attemptId RETURN count(o) AS n',
      { ids: outcomes.map((o) => o.attemptId) },
      { database: connection.database },
    );
    expect(Number(records[0]?.get('n'))).toBe(2);
  });

  it('records each choice once per attempt and returns them oldest first', async () => {
    const choices = [
      { attemptId: newAttemptId(), issueType, strategy: 'scale_up', at: 1_700_000_000_900 },
      { attemptId: newAttemptId(), issueType, strategy: 'restart_container', at: 1_700_000_000_100 },
    ];
    for (let i = 0; i < 3; i++) for (const c of choices) await learning.recordChoice(c);

    expect(await learning.choices(issueType)).toEqual([
      { issueType, strategy: 'restart_container', at: 1_700_000_000_100 },
      { issueType, strategy: 'scale_up', at: 1_700_000_000_900 },
    ]);
    expect(await learning.choices(`issue-${randomUUID()}`)).toEqual([]);
  });

  it('keeps hostile issue types and strategy names as data', async () => {
    const hostile = "x'}) MATCH (n) DETACH DELETE n //";
    const outcome = { attemptId: newAttemptId(), issueType: hostile, strategy: '`; DROP', success: true, at: 1 };
    await learning.recordOutcome(outcome);
    expect(await learning.outcomes(hostile)).toContainEqual(outcome);
  });
});
