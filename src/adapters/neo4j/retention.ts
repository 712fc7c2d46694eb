// Retention of the analysis audit: metric snapshots older than the retention period are deleted with their anomaly
// events, diagnoses and hypotheses, in bounded batches (one transaction each), so a large backlog never becomes one
// huge transaction. Heal attempts and their steps are kept: they are the record of what selfheal did.
import neo4j from 'neo4j-driver';
import type { AuditRetention } from '../ports';
import type { Neo4jConnection } from './driver';
import { num } from './values';

const PRUNE_SNAPSHOTS = `
MATCH (m:MetricSnapshot)
WHERE m.at < $cutoff
WITH m LIMIT $batch
CALL (m) {
  OPTIONAL MATCH (m)-[:HAS_ANOMALY|DIAGNOSED_AS]->(x)
  OPTIONAL MATCH (x)-[:HAS_HYPOTHESIS]->(h)
  DETACH DELETE h, x
}
DETACH DELETE m
RETURN count(*) AS deleted`;

export class Neo4jAuditRetention implements AuditRetention {
  constructor(private readonly connection: Neo4jConnection) {}

  async pruneSnapshots(cutoffMs: number, batch: number): Promise<number> {
    const { records } = await this.connection.driver.executeQuery(
      PRUNE_SNAPSHOTS,
      { cutoff: neo4j.int(Math.trunc(cutoffMs)), batch: neo4j.int(batch) },
      { database: this.connection.database },
    );
    return num(records[0]?.get('deleted'));
  }
}
