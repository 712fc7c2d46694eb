// The in-memory fakes held to the same contracts as the real Neo4j adapters
// (test/integration/adapters/neo4j-contracts.test.ts runs these suites against Neo4j).
import { beforeEach } from 'vitest';
import { describeAuditStoreContract, type AuditStoreSubject } from '../../contracts/audit-store';
import { describeLearningStoreContract, type LearningStoreSubject } from '../../contracts/learning-store';
import { FakeAuditStore } from '../../fakes/audit-store';
import { FakeLearningStore } from '../../fakes/learning-store';

let audit: AuditStoreSubject;
let learning: LearningStoreSubject;

beforeEach(() => {
  audit = { store: new FakeAuditStore(), services: [] };
  learning = { store: new FakeLearningStore(), issueTypes: [] };
});

describeAuditStoreContract('FakeAuditStore', () => audit);
describeLearningStoreContract('FakeLearningStore', () => learning);
