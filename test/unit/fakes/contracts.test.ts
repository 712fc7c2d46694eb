// The in-memory fakes held to the same contracts as the real Neo4j adapters
// (test/integration/adapters/neo4j-contracts.test.ts runs these suites against Neo4j).
import { beforeEach } from 'vitest';
import { describeAuditStoreContract, type AuditStoreSubject } from '../../contracts/audit-store';
import { describeContainerRuntimeContract, type ContainerRuntimeSubject } from '../../contracts/container-runtime';
import { describeLearningStoreContract, type LearningStoreSubject } from '../../contracts/learning-store';
import { FakeAuditStore } from '../../fakes/audit-store';
import { FakeLearningStore } from '../../fakes/learning-store';
import { container, FakeContainerRuntime } from '../../fakes/others';

let audit: AuditStoreSubject;
let learning: LearningStoreSubject;
let containers: ContainerRuntimeSubject;

beforeEach(() => {
  audit = { store: new FakeAuditStore(), services: [] };
  learning = { store: new FakeLearningStore(), issueTypes: [] };
  const runtime = new FakeContainerRuntime();
  let n = 0;
  containers = {
    runtime,
    async create(service) {
      const c = container({ name: `selfheal-contract-${service}-${n++}`, service });
      runtime.containers.set(c.id, c);
      return { id: c.id, name: c.name };
    },
  };
});

describeAuditStoreContract('FakeAuditStore', () => audit);
describeLearningStoreContract('FakeLearningStore', () => learning);
describeContainerRuntimeContract('FakeContainerRuntime', () => containers);
