// AnalysisStore on the real Neo4j: exactly once per analysis id, no lost update under concurrency, hostile names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Neo4jAnalysisStore } from '../../../src/adapters/neo4j/analysis-store';
import type { Neo4jConnection } from '../../../src/adapters/neo4j/driver';
import { analysisInput, connectTestNeo4j, announceFor, countingCompute, deleteServices, uniqueService } from '../../helpers/neo4j';

let connection: Neo4jConnection;
let store: Neo4jAnalysisStore;
const services: string[] = [];

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
  store = new Neo4jAnalysisStore(connection);
});

afterAll(async () => {
  await deleteServices(connection, services);
  await connection.driver.close();
});

describe('Neo4jAnalysisStore.analyzeOnce', () => {
  it('stores baselines, snapshot, anomalies and diagnosis, and replays the same analysis id without updating', async () => {
    const service = newService();
    const input = analysisInput(service, 1_700_000_000_000, { error_rate: 0.08, latency_p95: 450 });
    const first = await store.analyzeOnce(input, countingCompute(input), announceFor(input));
    expect(first.replayed).toBe(false);
    expect(first.sampleCounts).toEqual({ error_rate: 1, latency_p95: 1 });
    expect(first.anomalies.map((a) => a.metric).sort()).toEqual(['error_rate', 'latency_p95']);

    const again = await store.analyzeOnce(
      input,
      () => {
        throw new Error('a replayed analysis must not compute');
      },
      announceFor(input),
    );
    expect(again).toEqual({ ...first, replayed: true });
    expect(await store.getBaselines(service)).toEqual({
      error_rate: { count: 1, last: 0.08 },
      latency_p95: { count: 1, last: 450 },
    });
    expect(await count('MATCH (:Service {name: $service})-[:HAS_SNAPSHOT]->(m:MetricSnapshot) RETURN count(m) AS n', { service })).toBe(1);
    expect(
      await count('MATCH (:MetricSnapshot {id: $id})-[:HAS_ANOMALY]->(a:AnomalyEvent) RETURN count(a) AS n', { id: input.analysisId }),
    ).toBe(2);
    // The top hypothesis cites both metrics: linked to both anomaly events; the fallback one cites none.
    expect(
      await count(
        'MATCH (:MetricSnapshot {id: $id})-[:DIAGNOSED_AS]->(:Diagnosis)-[:HAS_HYPOTHESIS]->(:Hypothesis)-[r:SUPPORTED_BY]->(:AnomalyEvent) RETURN count(r) AS n',
        { id: input.analysisId },
      ),
    ).toBe(2);
  });

  it('loses no update: 50 concurrent analyses of one service fold exactly 50 samples into each baseline', async () => {
    const service = newService();
    const inputs = Array.from({ length: 50 }, (_, i) => analysisInput(service, 1_700_000_000_000 + i, { cpu_load: i / 50 }));
    const outcomes = await Promise.all(inputs.map((input) => store.analyzeOnce(input, countingCompute(input), announceFor(input))));

    expect(outcomes.every((o) => !o.replayed)).toBe(true);
    // Serialised: the counts seen by the 50 analyses are exactly 1..50, each once.
    expect(outcomes.map((o) => o.sampleCounts.cpu_load).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect((await store.getBaselines(service)).cpu_load).toMatchObject({ count: 50 });
    expect(await count('MATCH (:Service {name: $service})-[:HAS_BASELINE]->(b:Baseline) RETURN sum(b.samples) AS n', { service })).toBe(50);
    expect(await count('MATCH (:Service {name: $service})-[:HAS_SNAPSHOT]->(m) RETURN count(m) AS n', { service })).toBe(50);

    // Retrying all 50 (as activity retries would) changes nothing.
    const retried = await Promise.all(inputs.map((input) => store.analyzeOnce(input, countingCompute(input), announceFor(input))));
    expect(retried.every((o) => o.replayed)).toBe(true);
    expect(await count('MATCH (:Service {name: $service})-[:HAS_BASELINE]->(b:Baseline) RETURN sum(b.samples) AS n', { service })).toBe(50);
  });

  it('keeps services apart under concurrency, counting each metric on its own', async () => {
    const [a, b] = [newService(), newService()];
    const inputs = Array.from({ length: 20 }, (_, i) =>
      analysisInput(i % 2 === 0 ? a : b, 1_700_000_000_000 + i, i % 4 < 2 ? { cpu_load: 0.5 } : { cpu_load: 0.5, error_rate: 0.01 }),
    );
    await Promise.all(inputs.map((input) => store.analyzeOnce(input, countingCompute(input), announceFor(input))));
    // a gets i = 0,2,..,18: error_rate when i % 4 >= 2 → i = 2,6,10,14,18 (5); b gets i = 1,3,..,19: i = 3,7,11,15,19 (5).
    for (const service of [a, b]) {
      expect(await store.getBaselines(service)).toMatchObject({ cpu_load: { count: 10 }, error_rate: { count: 5 } });
    }
  });

  it('round-trips hostile service and metric names as plain data', async () => {
    const service = newService("x'}) DETACH DELETE n //");
    const metric = 'm`) MATCH (n) DETACH DELETE n; // "|$x';
    const other = newService(`${service.split('-')[0]}|`);
    const input = analysisInput(service, 1_700_000_000_000, { [metric]: 1, 'a|b': 2 });
    const outcome = await store.analyzeOnce(input, countingCompute(input), announceFor(input));
    expect(outcome.sampleCounts).toEqual({ [metric]: 1, 'a|b': 1 });
    expect(Object.keys(await store.getBaselines(service)).sort()).toEqual(['a|b', metric].sort());
    expect(await store.getBaselines(other)).toEqual({});
    expect(await count('MATCH (s:Service {name: $service}) RETURN count(s) AS n', { service })).toBe(1);
  });

  it('returns no baselines for an unknown service', async () => {
    expect(await store.getBaselines(uniqueService('unknown'))).toEqual({});
  });
});
