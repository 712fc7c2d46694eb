// The autopilot's record: a ServiceWatch per service (its sight, with a SightChange per blind spell begun or ended),
// Incident nodes linked to their service, the snapshots and anomalies they group, their AutopilotDecisions and the
// HealingAttempts those started. Every node is MERGEd on its id in one transaction: a retried activity never
// duplicates, and a reader never sees a decision without its incident.
import neo4j from 'neo4j-driver';
import type { AutopilotStore, WatchRecord } from '../ports';
import type { Neo4jConnection } from './driver';

const SIGHT = `
MERGE (s:Service {name: $service})
MERGE (w:ServiceWatch {service: $service})
SET w.blind = $sight.blind, w.reason = $sight.reason, w.since = $sight.since
MERGE (s)-[:WATCHED_BY]->(w)
MERGE (c:SightChange {id: $sight.key})
ON CREATE SET c.service = $service, c.at = $at, c.blind = $sight.blind, c.reason = $sight.reason, c.time = datetime({epochMillis: $at})
MERGE (w)-[:HAD_SIGHT]->(c)`;

const INCIDENT = `
MERGE (s:Service {name: $service})
MERGE (i:Incident {id: $incident.id})
SET i += $incident, i.time = datetime({epochMillis: i.openedAt})
MERGE (s)-[:HAD_INCIDENT]->(i)
WITH i
OPTIONAL MATCH (m:MetricSnapshot {id: $snapshotId})
FOREACH (_ IN CASE WHEN m IS NULL OR NOT $grouping THEN [] ELSE [1] END | MERGE (i)-[:OBSERVED_IN]->(m))
WITH i, m
OPTIONAL MATCH (m)-[:HAS_ANOMALY]->(a:AnomalyEvent)
WITH i, a WHERE a IS NOT NULL AND $grouping
MERGE (i)-[:GROUPS]->(a)`;

const DECISION = `
MATCH (i:Incident {id: $decision.incidentId})
MERGE (d:AutopilotDecision {id: $decision.id})
SET d += $decision, d.time = datetime({epochMillis: d.at})
MERGE (i)-[:DECIDED]->(d)`;

const HEAL = `
MATCH (i:Incident {id: $incidentId})
MERGE (a:HealingAttempt {id: $heal.attemptId})
MERGE (i)-[:REMEDIATED_BY]->(a)
WITH a
OPTIONAL MATCH (d:AutopilotDecision {id: $decisionId})
FOREACH (_ IN CASE WHEN d IS NULL THEN [] ELSE [1] END | MERGE (d)-[:STARTED]->(a))`;

export class Neo4jAutopilotStore implements AutopilotStore {
  constructor(private readonly connection: Neo4jConnection) {}

  async recordWatch(r: WatchRecord): Promise<void> {
    const at = neo4j.int(Math.trunc(r.at));
    const session = this.connection.driver.session({ database: this.connection.database });
    try {
      await session.executeWrite(async (tx) => {
        if (r.sight) {
          const { key, ...sight } = r.sight;
          await tx.run(SIGHT, { service: r.service, at, sight: { ...sight, key, since: neo4j.int(sight.since) } });
        }
        if (r.incident) {
          const { incident, changes } = r.incident;
          await tx.run(INCIDENT, {
            service: r.service,
            snapshotId: r.snapshotId,
            grouping: changes.includes('opened') || changes.includes('grouped'),
            incident: {
              id: incident.id,
              service: incident.service,
              status: incident.status,
              openedAt: neo4j.int(incident.openedAt),
              updatedAt: neo4j.int(incident.updatedAt),
              closedAt: incident.closedAt === null ? null : neo4j.int(incident.closedAt),
              escalatedAt: incident.escalatedAt === null ? null : neo4j.int(incident.escalatedAt),
              escalation: incident.escalation,
              troubles: incident.troubles,
              attempts: neo4j.int(incident.attempts),
              lastOutcome: incident.lastOutcome,
              healInFlight: incident.inFlight?.workflowId ?? null,
            },
          });
        }
        if (r.decision) {
          const d = r.decision;
          await tx.run(DECISION, {
            decision: {
              id: d.id,
              incidentId: d.incidentId,
              service: d.service,
              at: neo4j.int(d.at),
              strategy: d.strategy,
              level: d.level,
              action: d.action,
              requireApproval: d.requireApproval,
              reason: d.reason,
              result: d.result,
              issueType: d.issueType,
              policyRule: d.policy?.rule ?? null,
              policySource: d.policy?.source ?? null,
              policyVersion: d.policy?.version ?? null,
              offer: d.offer ?? null,
            },
          });
        }
        if (r.heal && r.incident) {
          await tx.run(HEAL, { incidentId: r.incident.incident.id, heal: r.heal, decisionId: r.decision?.id ?? null });
        }
      });
    } finally {
      await session.close();
    }
  }
}
