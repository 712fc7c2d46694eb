// Startup schema on the real Neo4j: idempotent, and every constraint and range index is in place.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Neo4jConnection } from '../../../src/adapters/neo4j/driver';
import { ensureSchema, SCHEMA_STATEMENTS } from '../../../src/adapters/neo4j/schema';
import { connectTestNeo4j } from '../../helpers/neo4j';

let connection: Neo4jConnection;

beforeAll(async () => {
  connection = await connectTestNeo4j();
});

afterAll(async () => {
  await connection.driver.close();
});

describe('ensureSchema', () => {
  it('runs twice, and concurrently, without error', async () => {
    await ensureSchema(connection);
    await Promise.all([ensureSchema(connection), ensureSchema(connection)]);
  });

  it('creates a uniqueness constraint per key and the range indexes on time fields', async () => {
    const { records: constraints } = await connection.driver.executeQuery(
      "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type WHERE type = 'UNIQUENESS' RETURN labelsOrTypes[0] + '.' + properties[0] AS key",
      {},
      { database: connection.database },
    );
    const keys = constraints.map((r) => r.get('key') as string);
    for (const key of [
      'Service.name',
      'MetricSnapshot.id',
      'AnomalyEvent.id',
      'Diagnosis.id',
      'Hypothesis.id',
      'HealingAttempt.id',
      'HealStep.id',
      'Baseline.key',
      'StrategyOutcome.attemptId',
      'StrategyChoice.attemptId',
      'AnalysisLock.service',
    ]) {
      expect(keys).toContain(key);
    }

    const { records: indexes } = await connection.driver.executeQuery(
      "SHOW INDEXES YIELD name, type, state WHERE type = 'RANGE' RETURN name, state",
      {},
      { database: connection.database },
    );
    const online = new Map(indexes.map((r) => [r.get('name') as string, r.get('state') as string]));
    for (const name of ['metricsnapshot_at', 'anomalyevent_at', 'anomalyevent_service_at', 'healingattempt_at', 'healingattempt_service_at']) {
      expect(online.get(name)).toBe('ONLINE');
    }
    expect(SCHEMA_STATEMENTS.every((s) => s.includes('IF NOT EXISTS'))).toBe(true);
  });
});
