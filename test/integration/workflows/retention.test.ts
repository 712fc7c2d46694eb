// Retention on the real stack: the retention workflow deletes analysis records older than the period, with their
// anomaly events, diagnoses and hypotheses, in batches, and leaves newer ones; the schedule that runs it is created
// idempotently, brought in line with the configuration, and starts the workflow when triggered.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Neo4jAnalysisStore } from '../../../src/adapters/neo4j/analysis-store';
import type { Neo4jConnection } from '../../../src/adapters/neo4j/driver';
import { ensureRetentionSchedule } from '../../../src/main/retention-schedule';
import { analysisInput, announceFor, connectTestNeo4j, countingCompute, deleteServices, uniqueService } from '../../helpers/neo4j';
import { startTestStack, type TestStack } from '../../helpers/stack';
import { waitFor } from '../../helpers/containers';

// A period that reaches back only to 2002: the shared database's other records are all younger than that.
const RETENTION_DAYS = String(Math.floor((Date.now() - Date.parse('2002-01-01T00:00:00Z')) / 86_400_000));
const OLD = Date.parse('2001-06-01T00:00:00Z');
let neo4j: Neo4jConnection;
let stack: TestStack;
let client: Client;
const services: string[] = [];

beforeAll(async () => {
  neo4j = await connectTestNeo4j();
  stack = await startTestStack({ AUDIT_RETENTION_DAYS: RETENTION_DAYS, AUDIT_RETENTION_INTERVAL_MINUTES: '720' });
  client = new Client({ connection: await Connection.connect({ address: stack.config.temporal.address }) });
});

afterAll(async () => {
  await deleteServices(neo4j, services);
  await neo4j?.driver.close();
  await client?.connection.close();
  await stack?.stop();
});

/** Records `n` analyses of a new service at `at`, `at + 1 s`, ...; returns their ids. */
async function analyses(n: number, at: number): Promise<{ service: string; ids: string[] }> {
  const service = uniqueService('retention');
  services.push(service);
  const store = new Neo4jAnalysisStore(neo4j);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const input = analysisInput(service, at + i * 1000, { error_rate: 0.05 + i / 100 });
    await store.analyzeOnce(input, countingCompute(input), announceFor(input));
    ids.push(input.analysisId);
  }
  return { service, ids };
}

async function count(cypher: string, params: Record<string, unknown>): Promise<number> {
  const { records } = await neo4j.driver.executeQuery(cypher, params, { database: neo4j.database });
  return Number(records[0]?.get('n'));
}

const left = (ids: string[]) => count('MATCH (m:MetricSnapshot) WHERE m.id IN $ids RETURN count(m) AS n', { ids });
const orphans = (ids: string[]) =>
  count('MATCH (x) WHERE (x:AnomalyEvent OR x:Diagnosis) AND x.snapshotId IN $ids RETURN count(x) AS n', { ids });

describe('retentionWorkflow', () => {
  it('deletes old analysis records in batches with what hangs off them, and keeps recent ones', async () => {
    const old = await analyses(5, OLD);
    const recent = await analyses(2, Date.now() - 60_000);
    expect(await orphans(old.ids)).toBeGreaterThan(0);
    const result = await client.workflow.execute('retentionWorkflow', {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: `retention-test-${randomUUID()}`,
      args: [{ retentionDays: Number(RETENTION_DAYS), batch: 2, maxBatches: 50 }],
    });
    expect(result).toMatchObject({ complete: true });
    expect((result as { deleted: number }).deleted).toBeGreaterThanOrEqual(5);
    expect(await left(old.ids)).toBe(0);
    expect(await orphans(old.ids)).toBe(0);
    expect(await left(recent.ids)).toBe(2);
  });
});

describe('the retention schedule', () => {
  it('is created once, updated to the configuration, and starts the workflow when triggered', async () => {
    const scheduleId = `selfheal-retention-test-${randomUUID().slice(0, 8)}`;
    try {
      await ensureRetentionSchedule(client, { ...stack.config, retention: { days: Number(RETENTION_DAYS), intervalMinutes: 1440 } }, scheduleId);
      await ensureRetentionSchedule(client, stack.config, scheduleId);
      const handle = client.schedule.getHandle(scheduleId);
      const described = await handle.describe();
      expect(described.spec.intervals?.[0]?.every).toBe(720 * 60_000);
      expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'retentionWorkflow', taskQueue: stack.config.temporal.taskQueue });

      const old = await analyses(2, OLD);
      await handle.trigger();
      await waitFor(async () => (await left(old.ids)) === 0, 60_000, 'the triggered run to delete the old records');
      expect((await handle.describe()).info.recentActions.length).toBeGreaterThanOrEqual(1);
    } finally {
      await client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
    }
  });
});
