// Recent analyses of a service with their anomalies' z-scores: what the metric re-check verifier reads.
import neo4j from 'neo4j-driver';
import type { MetricHistory, SnapshotSummary } from '../ports';
import type { Neo4jConnection } from './driver';
import { num, parseJson, str } from './values';

const RECENT_SNAPSHOTS = `
MATCH (:Service {name: $service})-[:HAS_SNAPSHOT]->(m:MetricSnapshot)
WHERE m.at >= $since
WITH m ORDER BY m.at DESC LIMIT $limit
OPTIONAL MATCH (m)-[:HAS_ANOMALY]->(a:AnomalyEvent)
WITH m, collect(a {.metric, .zscore, .severity}) AS anomalies
RETURN m.id AS id, m.at AS at, m.metrics AS metrics, anomalies
ORDER BY at DESC`;

export class Neo4jMetricHistory implements MetricHistory {
  constructor(private readonly connection: Neo4jConnection) {}

  async recentSnapshots(service: string, sinceMs: number, limit: number): Promise<SnapshotSummary[]> {
    const { records } = await this.connection.driver.executeQuery(
      RECENT_SNAPSHOTS,
      { service, since: neo4j.int(Math.trunc(sinceMs)), limit: neo4j.int(limit) },
      { database: this.connection.database, routing: 'READ' },
    );
    return records.map((r) => ({
      id: str(r.get('id')),
      at: num(r.get('at')),
      metrics: parseJson<Record<string, number>>(r.get('metrics'), {}),
      anomalies: (r.get('anomalies') as Array<Record<string, unknown>>).map((a) => ({
        metric: str(a.metric),
        zscore: num(a.zscore),
        severity: str(a.severity),
      })),
    }));
  }
}
