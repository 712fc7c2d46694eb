// "Why did we restart X at 03:12, and why didn't we act at 03:05?" — one Cypher query over a service's timeline:
// each snapshot with its anomalies and diagnosis (hypotheses, the anomalies supporting them), and each heal attempt
// overlapping the window with its outcome, reasons (refusals, cooldowns, budget) and ordered steps.
// The same query is documented in docs/audit.md.
import type { HealAttemptRecord, HealStepRecord } from '../ports';
import type { Diagnosis } from '../../domain/types';
import type { Neo4jConnection } from './driver';
import {
  anomalyFromProps,
  attemptFromProps,
  diagnosisFromProps,
  stepFromProps,
  type AnomalyEventRecord,
} from './audit-records';
import { num, parseJson, str, type Props } from './values';

export const WHY_QUERY = `
MATCH (s:Service {name: $service})
CALL (s) {
  MATCH (s)-[:HAS_SNAPSHOT]->(m:MetricSnapshot)
  WHERE m.at >= $from AND m.at <= $to
  OPTIONAL MATCH (m)-[:DIAGNOSED_AS]->(d:Diagnosis)
  CALL (m) {
    OPTIONAL MATCH (m)-[:HAS_ANOMALY]->(a:AnomalyEvent)
    WITH a ORDER BY a.zscore DESC
    RETURN collect(a {.*}) AS anomalies
  }
  CALL (d) {
    OPTIONAL MATCH (d)-[:HAS_HYPOTHESIS]->(h:Hypothesis)
    WITH h ORDER BY h.rank
    RETURN collect(h {.*, supportedBy: COLLECT { MATCH (h)-[:SUPPORTED_BY]->(e:AnomalyEvent) RETURN e.metric }}) AS hypotheses
  }
  RETURN {kind: 'snapshot', at: m.at, id: m.id, metrics: m.metrics, workflowId: m.workflowId,
          anomalies: anomalies, diagnosis: d {.*}, hypotheses: hypotheses} AS entry
  UNION
  MATCH (s)-[:HAS_ATTEMPT]->(a:HealingAttempt)
  WHERE a.at <= $to AND coalesce(a.finishedAt, a.at) >= $from
  CALL (a) {
    OPTIONAL MATCH (a)-[:HAS_STEP]->(st:HealStep)
    WITH st ORDER BY st.seq
    RETURN collect(st {.*}) AS steps
  }
  RETURN {kind: 'attempt', at: a.at, id: a.id, attempt: a {.*}, steps: steps} AS entry
}
RETURN entry
ORDER BY entry.at, entry.kind DESC, entry.id`;

export interface SnapshotEntry {
  kind: 'snapshot';
  at: number;
  snapshotId: string;
  workflowId: string;
  metrics: Record<string, number>;
  /** Strongest first. */
  anomalies: AnomalyEventRecord[];
  diagnosis: Diagnosis | null;
  /** Per hypothesis rank: the metrics of the anomaly events linked with SUPPORTED_BY. */
  supportedBy: string[][];
}

export interface AttemptEntry {
  kind: 'attempt';
  at: number;
  attempt: HealAttemptRecord;
  steps: HealStepRecord[];
}

export type WhyTimelineEntry = SnapshotEntry | AttemptEntry;

export interface WhyAnswer {
  service: string;
  from: number;
  to: number;
  /** Oldest first; a snapshot sorts before an attempt at the same millisecond (the analysis came first). */
  timeline: WhyTimelineEntry[];
}

export async function whyQuery(connection: Neo4jConnection, service: string, from: number, to: number): Promise<WhyAnswer> {
  const { records } = await connection.driver.executeQuery(
    WHY_QUERY,
    { service, from, to },
    { database: connection.database, routing: 'READ' },
  );
  return { service, from, to, timeline: records.map((r) => toEntry(r.get('entry') as Props)) };
}

function toEntry(e: Props): WhyTimelineEntry {
  if (e.kind === 'attempt') {
    return {
      kind: 'attempt',
      at: num(e.at),
      attempt: attemptFromProps(e.attempt as Props),
      steps: (e.steps as Props[]).map(stepFromProps),
    };
  }
  const hypotheses = e.hypotheses as Props[];
  return {
    kind: 'snapshot',
    at: num(e.at),
    snapshotId: str(e.id),
    workflowId: str(e.workflowId),
    metrics: parseJson<Record<string, number>>(e.metrics, {}),
    anomalies: (e.anomalies as Props[]).map(anomalyFromProps),
    diagnosis: e.diagnosis ? diagnosisFromProps(e.diagnosis as Props, hypotheses) : null,
    supportedBy: hypotheses.map((h) => (h.supportedBy as unknown[]).map(str)),
  };
}
