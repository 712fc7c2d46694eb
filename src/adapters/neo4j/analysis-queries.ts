// The Cypher of Neo4jAnalysisStore and the parameters it takes, apart from the store's concurrency logic.
import neo4j, { type Integer } from 'neo4j-driver';
import type { AnalysisInput } from '../ports';
import type { Anomaly, Diagnosis } from '../../domain/types';
import type { OutboxRow } from './outbox';

// The per-service lock is a separate (:AnalysisLock) node. It is not the Service node because the analysis creates
// relationships on that node, and Neo4j reports false deadlocks between a transaction creating relationships on a
// node it has locked and the transactions queued for that lock. MATCH (not MERGE) finds it: MERGE takes a shared lock
// first, and shared-to-exclusive upgrades deadlock too. Writing a marker property takes its exclusive lock (held
// until commit) before anything reads it; the marker is removed before commit. Not `SET lock.version = lock.version`:
// that reads the version before taking the lock and can write an old value back (tested: a lost update).
//
// One statement, one round trip: under the lock, an analysis already recorded returns its stored result; else, if
// the caller computed against the lock's current version, everything is written and the version moves on; else
// (a probe, or another process wrote first) nothing is written and the current baselines come back to compute on.
// The analyzed event is written with the analysis, as a pending outbox event (outbox.ts) whose seq is the lock's new
// version: the order of the service's analyses. An answer (written now or replayed) also returns the stream's pending
// events, oldest first, read under the lock: the outbox publishes them without a read of its own (outbox.ts says why
// such a snapshot keeps the stream's order). MERGE, not CREATE: an analysis id whose snapshot retention deleted
// may be analysed again while its event is still kept; consumers drop a second event of the same id anyway.
export const ANALYZE = `
MATCH (lock:AnalysisLock {service: $service})
SET lock.locked = true
WITH lock
OPTIONAL MATCH (done:MetricSnapshot {id: $analysisId})
WITH lock, done, done IS NULL AND lock.version = $expectedVersion AS apply
CALL (lock, apply) {
  WITH lock WHERE apply
  SET lock.version = lock.version + 1
  MERGE (o:OutboxEvent {id: $outbox.id})
  ON CREATE SET o += $outbox, o:OutboxPending, o.seq = lock.version, o.createdAt = timestamp()
  WITH lock
  MATCH (s:Service {name: $service})
  CREATE (s)-[:HAS_SNAPSHOT]->(m:MetricSnapshot)
  SET m += $snapshot, m.time = datetime({epochMillis: $snapshot.at})
  WITH s, m
  CALL (s) {
    UNWIND $baselines AS bl
    MERGE (b:Baseline {key: bl.key})
    SET b += bl
    MERGE (s)-[:HAS_BASELINE]->(b)
  }
  CALL (m) {
    UNWIND $anomalies AS an
    CREATE (m)-[:HAS_ANOMALY]->(a:AnomalyEvent)
    SET a += an
  }
  CREATE (m)-[:DIAGNOSED_AS]->(d:Diagnosis)
  SET d += $diagnosis
  WITH m, d
  CALL (m, d) {
    UNWIND $hypotheses AS h
    CREATE (d)-[:HAS_HYPOTHESIS]->(hy:Hypothesis)
    SET hy += h.props
    WITH m, hy, h
    MATCH (m)-[:HAS_ANOMALY]->(a:AnomalyEvent)
    WHERE a.metric IN h.metrics
    CREATE (hy)-[:SUPPORTED_BY]->(a)
  }
}
CALL (apply, done) {
  OPTIONAL MATCH (:Service {name: $service})-[:HAS_BASELINE]->(b:Baseline)
  WHERE NOT apply AND done IS NULL
  RETURN collect(b {.metric, .state, .samples, .updatedAt}) AS baselines
}
CALL (apply, done) {
  OPTIONAL MATCH (o:OutboxPending {stream: $service})
  WHERE apply OR done IS NOT NULL
  WITH o ORDER BY o.seq
  LIMIT $pendingLimit
  RETURN collect(o {.id, .seq, .body}) AS pending
}
REMOVE lock.locked
RETURN lock.version AS version, apply AS applied, done.result AS result, done.at AS doneAt, baselines, pending`;

/**
 * First analysis of a service: creates the Service and its lock node, in a transaction of its own. The version
 * starts at a random value, so a service deleted and created again never matches a version a process still caches.
 */
export const CREATE_SERVICE = `
MERGE (s:Service {name: $service})
MERGE (lock:AnalysisLock {service: $service})
ON CREATE SET lock.version = toInteger(rand() * 1e15)
MERGE (s)-[:HAS_ANALYSIS_LOCK]->(lock)`;

/** What a snapshot keeps to answer a replayed analysis exactly as the first time. */
export interface StoredResult {
  anomalies: Anomaly[];
  diagnosis: Diagnosis;
  sampleCounts: Record<string, number>;
  /** Metrics whose sample arrived late (recorded, not folded into the baseline). */
  lateMetrics: string[];
}

/** A Baseline node's properties as written. */
export interface BaselineParams {
  key: string;
  service: string;
  metric: string;
  state: string;
  samples: Integer;
  updatedAt: Integer;
}

/** Unambiguous even when names contain the separator (each part is URI-encoded). */
export function baselineKey(service: string, metric: string): string {
  return `${encodeURIComponent(service)}|${encodeURIComponent(metric)}`;
}

/** The parameters of a probe: nothing to write, only the current state to read. */
export const PROBE = { snapshot: null, baselines: [], anomalies: [], diagnosis: null, hypotheses: [], outbox: null };

/** The parameters that write one analysis: its snapshot, changed baselines, anomaly events and diagnosis. */
export function writeParams(input: AnalysisInput, at: Integer, baselines: BaselineParams[], result: StoredResult, outbox: OutboxRow) {
  return {
    outbox,
    snapshot: {
      id: input.analysisId,
      service: input.service,
      at,
      metrics: JSON.stringify(input.metrics),
      metricNames: Object.keys(input.metrics),
      context: JSON.stringify(input.context),
      workflowId: input.workflowId,
      actor: input.actor,
      requestId: input.requestId,
      late: result.lateMetrics.length > 0,
      result: JSON.stringify(result),
    },
    baselines,
    anomalies: result.anomalies.map((a) => ({ id: `${input.analysisId}:anomaly:${a.metric}`, snapshotId: input.analysisId, service: input.service, at, ...a })),
    ...diagnosisParams(input.analysisId, input.service, at, result.diagnosis),
  };
}

function diagnosisParams(analysisId: string, service: string, at: Integer, diagnosis: Diagnosis) {
  const diagnosisId = `${analysisId}:diagnosis`;
  return {
    diagnosis: {
      id: diagnosisId,
      snapshotId: analysisId,
      service,
      at,
      issueType: diagnosis.issue_type,
      rootCause: diagnosis.root_cause,
      confidence: diagnosis.confidence,
      impactedComponents: diagnosis.impacted_components,
      recommendedStrategies: diagnosis.recommended_strategies,
    },
    hypotheses: (diagnosis.hypotheses ?? []).map((h, rank) => ({
      props: {
        id: `${diagnosisId}:hypothesis:${rank}`,
        rank: neo4j.int(rank),
        ruleId: h.rule_id,
        issueType: h.issue_type,
        rootCause: h.root_cause,
        confidence: h.confidence,
        impactedComponents: h.impacted_components,
        recommendedStrategies: h.recommended_strategies,
        evidence: JSON.stringify(h.evidence),
      },
      // The anomalies this hypothesis cites: linked with SUPPORTED_BY.
      metrics: [...new Set(h.evidence.flatMap((e) => (e.metric === undefined ? [] : [e.metric])))],
    })),
  };
}
