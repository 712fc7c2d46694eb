// AuditStore writes on the real Neo4j: idempotent under retries, steps before their attempt, applied-heal queries.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Neo4jAuditStore } from '../../../src/adapters/neo4j/audit-store';
import type { Neo4jConnection } from '../../../src/adapters/neo4j/driver';
import { attemptRecord, connectTestNeo4j, deleteAttempts, deleteServices, stepRecords, uniqueService } from '../../helpers/neo4j';

let connection: Neo4jConnection;
let audit: Neo4jAuditStore;
const services: string[] = [];
// A time far from other tests' data, so the global count below only moves with this file's attempts.
const base = 5_000_000_000_000 + Math.floor(Math.random() * 1e11);

function newService(prefix?: string): string {
  const name = uniqueService(prefix);
  services.push(name);
  return name;
}

async function count(cypher: string, params: Record<string, unknown>): Promise<number> {
  const { records } = await connection.driver.executeQuery(cypher, params, { database: connection.database });
  return Number(records[0]?.get('n'));
}

beforeAll(async () => {
  connection = await connectTestNeo4j();
  audit = new Neo4jAuditStore(connection);
});

afterAll(async () => {
  await deleteServices(connection, services);
  await connection.driver.close();
});

describe('Neo4jAuditStore writes', () => {
  it('records an attempt once and updates only its mutable fields', async () => {
    const service = newService();
    const attempt = attemptRecord(service, base);
    await audit.recordHealAttempt(attempt);
    await audit.recordHealAttempt(attempt);
    const finished = { ...attempt, at: base + 999, actor: 'someone else', outcome: 'verified' as const, verified: true, finishedAt: base + 5000, reasons: ['verified by http_probe'] };
    await audit.recordHealAttempt(finished);

    expect(await count('MATCH (a:HealingAttempt {id: $id}) RETURN count(a) AS n', { id: attempt.id })).toBe(1);
    expect(await count('MATCH (:Service {name: $service})-[r:HAS_ATTEMPT]->() RETURN count(r) AS n', { service })).toBe(1);
    const stored = await audit.getAttempt(attempt.id);
    expect(stored).toEqual({ ...attempt, outcome: 'verified', verified: true, finishedAt: base + 5000, reasons: ['verified by http_probe'], steps: [] });
  });

  it('keeps a finished attempt finished when a late retry of an earlier write of its run lands', async () => {
    const attempt = attemptRecord(newService(), base + 5);
    const finished = { ...attempt, outcome: 'verified' as const, verified: true, finishedAt: base + 5000 };
    await audit.recordHealAttempt(finished);
    await audit.recordHealAttempt(attempt);
    expect(await audit.getAttempt(attempt.id)).toMatchObject({ outcome: 'verified', verified: true, finishedAt: base + 5000 });
  });

  it('records the same steps three times as exactly one node each, ordered by seq', async () => {
    const service = newService();
    const attempt = attemptRecord(service, base + 10);
    await audit.recordHealAttempt(attempt);
    const steps = stepRecords(attempt.id, base + 10, 7);
    for (let i = 0; i < 3; i++) await audit.recordHealSteps(steps);
    await Promise.all([audit.recordHealSteps(steps.slice(2)), audit.recordHealSteps(steps.slice(0, 3))]);

    expect(await count('MATCH (:HealingAttempt {id: $id})-[:HAS_STEP]->(s:HealStep) RETURN count(s) AS n', { id: attempt.id })).toBe(7);
    expect(await count('MATCH (s:HealStep) WHERE s.attemptId = $id RETURN count(s) AS n', { id: attempt.id })).toBe(7);
    expect((await audit.getAttempt(attempt.id))?.steps).toEqual(steps);
  });

  it('accepts steps before their attempt and hides the attempt until it is recorded', async () => {
    const service = newService();
    const attempt = attemptRecord(service, base + 20);
    await audit.recordHealSteps(stepRecords(attempt.id, base + 20, 2));
    expect(await audit.getAttempt(attempt.id)).toBeNull();
    await audit.recordHealAttempt(attempt);
    expect((await audit.getAttempt(attempt.id))?.steps.map((s) => s.seq)).toEqual([0, 1]);
    expect(await count('MATCH (a:HealingAttempt {id: $id}) RETURN count(a) AS n', { id: attempt.id })).toBe(1);
  });

  it('round-trips hostile names and free text as plain data', async () => {
    const service = newService("x'}) DETACH DELETE n //");
    const attempt = attemptRecord(service, base + 30, { reasons: ["cooldown'}) MATCH (n) DETACH DELETE n //"], strategy: '`; DROP' });
    await audit.recordHealAttempt(attempt);
    const [step] = stepRecords(attempt.id, base + 30, 1);
    const hostileStep = { ...step!, detail: '$x }) RETURN 1 //', target: "c'); DELETE" };
    await audit.recordHealSteps([hostileStep]);
    expect(await audit.getAttempt(attempt.id)).toEqual({ ...attempt, steps: [hostileStep] });
    expect(await audit.appliedHeals(service, base)).toHaveLength(1);
  });

  it('reports applied (not dry-run) heals per service, newest first, and counts them across services', async () => {
    const [a, b] = [newService(), newService()];
    const before = await audit.countAppliedHeals(base + 100);
    const applied = [attemptRecord(a, base + 100), attemptRecord(a, base + 300, { outcome: 'rolled_back' }), attemptRecord(b, base + 200)];
    const notApplied = [
      attemptRecord(a, base + 400, { dryRun: true, applied: false, outcome: 'planned' }),
      attemptRecord(a, base + 500, { applied: false, outcome: 'refused', reasons: ['cooldown'] }),
      attemptRecord(a, base + 50), // before the window
    ];
    await Promise.all([...applied, ...notApplied].map((x) => audit.recordHealAttempt(x)));

    expect(await audit.appliedHeals(a, base + 100)).toEqual([
      { attemptId: applied[1]!.id, service: a, strategy: 'restart_container', at: base + 300, outcome: 'rolled_back' },
      { attemptId: applied[0]!.id, service: a, strategy: 'restart_container', at: base + 100, outcome: 'running' },
    ]);
    expect(await audit.countAppliedHeals(base + 100)).toBe(before + 3);
    expect(await audit.appliedHeals(uniqueService('none'), 0)).toEqual([]);
  });

  it('records nothing for an empty batch', async () => {
    await audit.recordHealSteps([]);
    const id = `heal-${randomUUID()}`;
    expect(await audit.getAttempt(id)).toBeNull();
    await deleteAttempts(connection, [id]);
  });
});
