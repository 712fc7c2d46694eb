// What the benchmark learns from the system before it measures: a real diagnosis to heal, and a real learned
// baseline to seed the tracked series with.
import type { Neo4jConnection } from '../../src/adapters/neo4j/driver';
import { Neo4jAnalysisStore } from '../../src/adapters/neo4j/analysis-store';
import type { ScenarioContext } from './scenarios';
import { SERIES_METRIC } from './series';

/** The heal dry run's body: the diagnosis of the spec's example metrics, restart_unhealthy on a demo container. */
export async function healBody(ctx: ScenarioContext, service: string): Promise<Record<string, unknown>> {
  const reply = await ctx.http[ctx.shipped].expect(200, 'POST', '/api/self_healing/analyze', ctx.tokens.operator, {
    service,
    metrics: { error_rate: 0.08, cpu_load: 0.92, latency_p95: 450 },
  });
  const { diagnosis } = JSON.parse(reply.body) as { diagnosis: unknown };
  return { issue: { diagnosis }, context: { services: ['api'], containers: ['selfheal-demo-api-1'] }, strategy: 'restart_unhealthy' };
}

/** The baseline of one series after 30 real analyses (a slow one that answers 503 still completes). */
export async function learnedBaseline(ctx: ScenarioContext, service: string, neo4j: Neo4jConnection): Promise<{ state: string; samples: number }> {
  for (let i = 0; i < 30; i++) {
    await ctx.http[ctx.shipped].request('POST', '/api/self_healing/analyze', ctx.tokens.operator, { service, metrics: { [SERIES_METRIC]: 0.3 + 0.1 * Math.random() } });
  }
  const store = new Neo4jAnalysisStore(neo4j);
  const { records } = await neo4j.driver.executeQuery(
    'MATCH (:Service {name: $service})-[:HAS_BASELINE]->(b:Baseline {metric: $metric}) RETURN b.samples AS samples',
    { service, metric: SERIES_METRIC },
    { database: neo4j.database },
  );
  const state = (await store.getBaselines(service))[SERIES_METRIC];
  if (state === undefined || !records[0]) throw new Error(`no ${SERIES_METRIC} baseline learned for ${service}`);
  return { state: JSON.stringify(state), samples: Number(records[0].get('samples')) };
}
