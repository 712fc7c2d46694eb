// The policy store on the real Neo4j, under a policy id of its own (the deployment's stays untouched): the file
// seeds it; an API edit survives a restart with the same file; a changed file wins; every change is audited with
// both documents; an unchanged document records nothing; concurrent seeds apply one after another.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Neo4jPolicyStore } from '../../../src/adapters/neo4j/policy-store';
import type { Neo4jConnection } from '../../../src/adapters/neo4j/driver';
import { policyVersion } from '../../../src/main/autopilot';
import { connectTestNeo4j } from '../../helpers/neo4j';

const policyId = `test-${randomUUID()}`;
let neo4j: Neo4jConnection;
let store: Neo4jPolicyStore;
const doc = (text: string) => ({ text, version: policyVersion(text) });

beforeAll(async () => {
  neo4j = await connectTestNeo4j();
  store = new Neo4jPolicyStore(neo4j, policyId);
});
afterAll(async () => {
  await neo4j?.driver.executeQuery('MATCH (p:AutopilotPolicy {id: $policyId}) OPTIONAL MATCH (p)-[:CHANGED]->(c) DETACH DELETE p, c', { policyId }, { database: neo4j.database });
  await neo4j?.driver.close();
});

describe('Neo4jPolicyStore', () => {
  it('seeds from the file, keeps an API edit across a restart with the same file, and lets a changed file win', async () => {
    const fileA = { ...doc('services:\n  api: {}\n'), path: '/etc/autopilot.yaml' };
    expect(await store.current()).toBeNull();
    // Two workers starting together: one seed is recorded.
    const [a, b] = await Promise.all([store.seed(fileA, 1000), store.seed(fileA, 1001)]);
    expect([a.version, b.version]).toEqual([fileA.version, fileA.version]);
    expect(await store.changes(10)).toHaveLength(1);

    const edit = doc('services:\n  api:\n    strategies:\n      restart_unhealthy: auto\n');
    const replaced = await store.replace(edit, 'root', 2000);
    expect(replaced.change).toMatchObject({ actor: 'root', source: 'api', oldVersion: fileA.version, newVersion: edit.version, oldDocument: fileA.text, newDocument: edit.text });
    expect((await store.replace(edit, 'root', 2500)).change).toBeNull();

    // A restart with the same file: the edit stays.
    expect(await store.seed(fileA, 3000)).toMatchObject({ version: edit.version, source: 'api', updatedBy: 'root', updatedAt: 2000 });
    // The file changed on purpose: it wins, audited as the file.
    const fileB = { ...doc('services:\n  api: {}\n  billing: {}\n'), path: '/etc/autopilot.yaml' };
    expect(await store.seed(fileB, 4000)).toMatchObject({ version: fileB.version, source: 'file:/etc/autopilot.yaml', updatedAt: 4000 });
    expect(await store.current()).toEqual({ text: fileB.text, version: fileB.version, source: 'file:/etc/autopilot.yaml', updatedAt: 4000, updatedBy: 'file:/etc/autopilot.yaml' });
    expect((await store.changes(10)).map((c) => [c.at, c.actor, c.newVersion])).toEqual([
      [4000, 'file:/etc/autopilot.yaml', fileB.version],
      [2000, 'root', edit.version],
      [expect.any(Number), 'file:/etc/autopilot.yaml', fileA.version],
    ]);
    expect(await store.changes(1)).toHaveLength(1);
  });
});
