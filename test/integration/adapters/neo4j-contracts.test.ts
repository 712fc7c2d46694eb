// The Neo4j adapters held to the same contracts as the in-memory fakes (test/unit/fakes/contracts.test.ts), on the
// real Neo4j: what the fakes promise in the unit project is what the adapters do.
import { afterAll, beforeAll } from 'vitest';
import type { Neo4jConnection } from '../../../src/adapters/neo4j/driver';
import { Neo4jAuditStore } from '../../../src/adapters/neo4j/audit-store';
import { Neo4jLearningStore } from '../../../src/adapters/neo4j/learning-store';
import { Neo4jPushedMetricsStore } from '../../../src/adapters/neo4j/pushed-metrics';
import { describeAuditStoreContract, type AuditStoreSubject } from '../../contracts/audit-store';
import { describeLearningStoreContract, type LearningStoreSubject } from '../../contracts/learning-store';
import { describePushedMetricsStoreContract, type PushedMetricsStoreSubject } from '../../contracts/pushed-metrics-store';
import { connectTestNeo4j, deleteServices } from '../../helpers/neo4j';

let connection: Neo4jConnection;
let audit: AuditStoreSubject;
let learning: LearningStoreSubject;
let pushed: PushedMetricsStoreSubject;

beforeAll(async () => {
  connection = await connectTestNeo4j();
  audit = { store: new Neo4jAuditStore(connection), services: [] };
  learning = { store: new Neo4jLearningStore(connection), issueTypes: [] };
  pushed = { store: new Neo4jPushedMetricsStore(connection), services: [] };
});

afterAll(async () => {
  if (!connection) return;
  await deleteServices(connection, audit.services);
  // Outcomes and choices of this suite's issue types, and the bare attempt nodes an outcome creates.
  await connection.driver.executeQuery(
    `MATCH (x) WHERE (x:StrategyOutcome OR x:StrategyChoice) AND x.issueType IN $types
     OPTIONAL MATCH (a:HealingAttempt {id: x.attemptId}) WHERE NOT (a)<-[:HAS_ATTEMPT]-()
     DETACH DELETE x, a`,
    { types: learning.issueTypes },
    { database: connection.database },
  );
  await connection.driver.executeQuery('MATCH (p:PushedSample|PushEmptyTake) WHERE p.service IN $services DELETE p', { services: pushed.services }, { database: connection.database });
  await connection.driver.close();
});

describeAuditStoreContract('Neo4jAuditStore', () => audit);
describeLearningStoreContract('Neo4jLearningStore', () => learning);
describePushedMetricsStoreContract('Neo4jPushedMetricsStore', () => pushed);
