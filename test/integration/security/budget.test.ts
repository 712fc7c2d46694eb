// The heal budget is an atomic reservation in Neo4j: many concurrent reservations (as many workers planning heals
// at once would make) never grant more than the global or the per-service limit, a retried reservation of the same
// attempt counts once, and a released one frees its place.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNeo4j, closeNeo4j, type Neo4jConnection } from '../../../src/adapters/neo4j/driver';
import { ensureSchema } from '../../../src/adapters/neo4j/schema';
import { Neo4jHealBudget, Neo4jServiceRegistry } from '../../../src/adapters/neo4j/budget-store';
import { loadConfig } from '../../../src/config';

let connection: Neo4jConnection;
let budget: Neo4jHealBudget;
const attempts: string[] = [];
// Reservations are dated in windows of their own, far in the past, so the shared database's real heals never count
// (a window counts reservations from its start to a few minutes past its end).
const base = Date.parse('1990-01-01T00:00:00Z') + Math.floor(Math.random() * 1e9);

beforeAll(async () => {
  connection = await connectNeo4j(loadConfig().neo4j);
  await ensureSchema(connection);
  budget = new Neo4jHealBudget(connection);
});

afterAll(async () => {
  await connection?.driver.executeQuery('MATCH (r:HealBudgetReservation) WHERE r.attemptId IN $ids DELETE r', { ids: attempts }, { database: connection.database });
  if (connection) await closeNeo4j(connection);
});

const reserve = (attemptId: string, service: string, globalMax: number, serviceMax: number) => {
  attempts.push(attemptId);
  return budget.reserve({ attemptId, service, at: base, windowSeconds: 60, globalMax, serviceMax });
};

describe('the atomic heal budget', () => {
  it('grants exactly the global limit to 12 concurrent reservations of different services', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => reserve(`budget-g-${randomUUID()}`, `svc-${i}`, 4, 100)));
    expect(results.filter((r) => r.granted)).toHaveLength(4);
  }, 60_000);

  it('grants exactly the per-service limit to concurrent reservations of one service; other services still fit', async () => {
    const shift = 24 * 3600_000;
    const one = (service: string) => {
      const attemptId = `budget-s-${randomUUID()}`;
      attempts.push(attemptId);
      return budget.reserve({ attemptId, service, at: base + shift, windowSeconds: 60, globalMax: 100, serviceMax: 2 });
    };
    const results = await Promise.all(Array.from({ length: 8 }, () => one('checkout')));
    expect(results.filter((r) => r.granted)).toHaveLength(2);
    expect((await one('payments')).granted).toBe(true);
  }, 60_000);

  it('the service registry knows a tracked service and remembers it, and counts the tracked ones for a new one', async () => {
    const registry = new Neo4jServiceRegistry(connection);
    const name = `budget-registry-${randomUUID()}`;
    const before = await registry.lookup(name);
    expect(before).toEqual({ known: false, count: expect.any(Number) as number });
    await connection.driver.executeQuery('CREATE (:Service {name: $name})', { name }, { database: connection.database });
    try {
      // Other test files add and delete services meanwhile: only this one is certain to be counted.
      const counted = await registry.lookup(`budget-registry-${randomUUID()}`);
      expect(counted.known).toBe(false);
      expect((counted as { count: number }).count).toBeGreaterThanOrEqual(1);
      expect(await registry.lookup(name)).toEqual({ known: true });
      // Remembered: asked again, it needs no statement (the Service is gone from the store, the answer stays).
      await connection.driver.executeQuery('MATCH (s:Service {name: $name}) DETACH DELETE s', { name }, { database: connection.database });
      expect(await registry.lookup(name)).toEqual({ known: true });
    } finally {
      await connection.driver.executeQuery('MATCH (s:Service {name: $name}) DETACH DELETE s', { name }, { database: connection.database });
    }
  });

  it('counts a retried reservation of one attempt once, and a released one frees its place', async () => {
    const shift = 48 * 3600_000;
    const at = base + shift;
    const id = `budget-r-${randomUUID()}`;
    attempts.push(id);
    const r = (attemptId: string) => budget.reserve({ attemptId, service: 'svc', at, windowSeconds: 60, globalMax: 1, serviceMax: 1 });
    expect((await r(id)).granted).toBe(true);
    expect((await r(id)).granted).toBe(true);
    const other = `budget-r-${randomUUID()}`;
    attempts.push(other);
    expect(await r(other)).toMatchObject({ granted: false, global: 1, service: 1 });
    await budget.release(id);
    expect((await r(other)).granted).toBe(true);
  }, 60_000);
});
