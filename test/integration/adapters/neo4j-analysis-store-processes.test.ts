// AnalysisStore shared by several processes (each store instance remembers what it last wrote, as a worker does):
// no update is lost when they interleave or race, and nothing remembered outlives the data it describes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Neo4jAnalysisStore } from '../../../src/adapters/neo4j/analysis-store';
import type { Neo4jConnection } from '../../../src/adapters/neo4j/driver';
import { analysisInput, connectTestNeo4j, announceFor, countingCompute, deleteServices, uniqueService } from '../../helpers/neo4j';

let connection: Neo4jConnection;
const services: string[] = [];

function newService(): string {
  const name = uniqueService('processes');
  services.push(name);
  return name;
}

async function analyze(store: Neo4jAnalysisStore, service: string, i: number) {
  const input = analysisInput(service, 1_700_000_000_000 + i, { cpu_load: i });
  return store.analyzeOnce(input, countingCompute(input), announceFor(input));
}

beforeAll(async () => {
  connection = await connectTestNeo4j();
});

afterAll(async () => {
  await deleteServices(connection, services);
  await connection.driver.close();
});

describe('Neo4jAnalysisStore across processes', () => {
  it('a store that did not write last computes on the baselines the other store committed', async () => {
    const service = newService();
    const [a, b] = [new Neo4jAnalysisStore(connection), new Neo4jAnalysisStore(connection)];
    const counts = [];
    for (let i = 0; i < 6; i++) counts.push((await analyze(i % 3 === 0 ? b : a, service, i)).sampleCounts.cpu_load);
    expect(counts).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await a.getBaselines(service)).toMatchObject({ cpu_load: { count: 6, last: 5 } });
  });

  it('loses no update when three stores race on one service: the counts seen are exactly 1..45', async () => {
    const service = newService();
    const stores = [0, 1, 2].map(() => new Neo4jAnalysisStore(connection));
    const outcomes = await Promise.all(Array.from({ length: 45 }, (_, i) => analyze(stores[i % 3]!, service, i)));
    expect(outcomes.map((o) => o.sampleCounts.cpu_load).sort((x, y) => x! - y!)).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
    expect(await stores[0]!.getBaselines(service)).toMatchObject({ cpu_load: { count: 45 } });
  });

  it('with room to remember one service, alternating between two still counts exactly', async () => {
    const [first, second] = [newService(), newService()];
    const store = new Neo4jAnalysisStore(connection, { knownServices: 1 });
    const counts = [];
    for (let i = 0; i < 6; i++) counts.push((await analyze(store, i % 2 === 0 ? first : second, i)).sampleCounts.cpu_load);
    expect(counts).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it('forgets a service that was deleted and created again, starting from its new, empty baselines', async () => {
    const service = newService();
    const store = new Neo4jAnalysisStore(connection);
    await analyze(store, service, 0);
    await analyze(store, service, 1);
    await deleteServices(connection, [service]);
    const fresh = await analyze(store, service, 2);
    expect(fresh.sampleCounts).toEqual({ cpu_load: 1 });
    expect(await store.getBaselines(service)).toEqual({ cpu_load: { count: 1, last: 2 } });
  });
});
