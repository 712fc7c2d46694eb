// Baselines, snapshots, anomaly events and diagnoses, written atomically per analysis (issue 3 point 3, issue 6).
//
// Concurrency: the first statement of the transaction writes a property of the service's AnalysisLock node, which
// holds that node's exclusive lock until commit. Concurrent analyses of one service therefore run one after the
// other, each reading the baselines its predecessor committed, so no update is lost; analyses of different services
// do not wait for each other. Transient errors are retried by executeWrite, running `compute` again: it must be pure.
//
// Exactly once: the snapshot id is the analysis id, checked under the same lock. A retried analysis finds its
// snapshot and returns the stored result (replayed = true) without touching the baselines.
//
// Time: an analysis without a time of its own is stamped under the lock, after the service's newest sample, so
// analyses that arrive together fold in lock order rather than being refused as out of order by the detector.
//
// Sample counts: each Baseline node carries `samples`, incremented when the analysis folded a sample into it.
import neo4j, { type Integer, type ManagedTransaction } from 'neo4j-driver';
import type { AnalysisCompute, AnalysisInput, AnalysisOutcome, AnalysisStore, BaselineStates } from '../ports';
import type { Anomaly, Diagnosis } from '../../domain/types';
import type { Neo4jConnection } from './driver';
import { num, parseJson, str } from './values';

/** What a snapshot keeps to answer a replayed analysis exactly as the first time. */
interface StoredResult {
  anomalies: Anomaly[];
  diagnosis: Diagnosis;
  sampleCounts: Record<string, number>;
}

interface StoredBaseline {
  metric: string;
  state: string;
  samples: number;
  /** Epoch ms of the last analysis that changed this baseline. */
  updatedAt: number;
}

// The per-service lock is a separate (:AnalysisLock) node, taken by writing a property (held until commit). It is not
// the Service node because the analysis creates relationships on that node, and Neo4j reports false deadlocks between
// a transaction creating relationships on a node it has locked and the transactions queued for that lock. MATCH (not
// MERGE) finds it: MERGE takes a shared lock first, and shared-to-exclusive upgrades deadlock too.
const LOCK_AND_READ = `
MATCH (lock:AnalysisLock {service: $service})
SET lock.version = lock.version + 1
WITH lock
MATCH (s:Service {name: $service})
OPTIONAL MATCH (done:MetricSnapshot {id: $analysisId})
OPTIONAL MATCH (s)-[:HAS_BASELINE]->(b:Baseline)
RETURN done.result AS result, done.at AS doneAt,
       collect(CASE WHEN b IS NULL THEN null ELSE {metric: b.metric, state: b.state, samples: b.samples, updatedAt: b.updatedAt} END) AS baselines`;

/** First analysis of a service: creates the Service and its lock node, in a transaction of its own. */
const CREATE_SERVICE = `
MERGE (s:Service {name: $service})
MERGE (lock:AnalysisLock {service: $service})
ON CREATE SET lock.version = 0
MERGE (s)-[:HAS_ANALYSIS_LOCK]->(lock)`;

const WRITE_ANALYSIS = `
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
}`;

/** Unambiguous even when names contain the separator (each part is URI-encoded). */
export function baselineKey(service: string, metric: string): string {
  return `${encodeURIComponent(service)}|${encodeURIComponent(metric)}`;
}

export class Neo4jAnalysisStore implements AnalysisStore {
  constructor(private readonly connection: Neo4jConnection) {}

  async analyzeOnce(input: AnalysisInput, compute: AnalysisCompute): Promise<AnalysisOutcome> {
    const outcome = await this.analyzeLocked(input, compute);
    if (outcome) return outcome;
    await this.connection.driver.executeQuery(CREATE_SERVICE, { service: input.service }, { database: this.connection.database });
    const retried = await this.analyzeLocked(input, compute);
    if (!retried) throw new Error(`service ${input.service} vanished while being analysed`);
    return retried;
  }

  /** null when the service has no lock node yet. */
  private async analyzeLocked(input: AnalysisInput, compute: AnalysisCompute): Promise<AnalysisOutcome | null> {
    const session = this.connection.driver.session({ database: this.connection.database });
    try {
      return await session.executeWrite((tx) => analyzeInTransaction(tx, input, compute));
    } finally {
      await session.close();
    }
  }

  async getBaselines(service: string): Promise<BaselineStates> {
    const { records } = await this.connection.driver.executeQuery(
      'MATCH (:Service {name: $service})-[:HAS_BASELINE]->(b:Baseline) RETURN b.metric AS metric, b.state AS state',
      { service },
      { database: this.connection.database, routing: 'READ' },
    );
    return Object.fromEntries(records.map((r) => [str(r.get('metric')), parseJson<unknown>(r.get('state'), null)]));
  }
}

async function analyzeInTransaction(tx: ManagedTransaction, input: AnalysisInput, compute: AnalysisCompute): Promise<AnalysisOutcome | null> {
  const row = (await tx.run(LOCK_AND_READ, { service: input.service, analysisId: input.analysisId })).records[0];
  if (!row) return null;
  const stored = row.get('result');
  if (typeof stored === 'string') return { ...(JSON.parse(stored) as StoredResult), at: num(row.get('doneAt')), replayed: true };

  const previous = (row.get('baselines') as Array<Record<string, unknown>>).map(
    (b): StoredBaseline => ({ metric: str(b.metric), state: str(b.state), samples: num(b.samples), updatedAt: num(b.updatedAt) }),
  );
  const previousByMetric = new Map(previous.map((b) => [b.metric, b]));
  const atMs = input.at ?? Math.max(Date.now(), ...previous.map((b) => b.updatedAt + 1));
  const computed = compute(Object.fromEntries(previous.map((b) => [b.metric, JSON.parse(b.state) as unknown])), atMs);

  const sampleCounts: Record<string, number> = Object.fromEntries(previous.map((b) => [b.metric, b.samples]));
  const at = neo4j.int(Math.trunc(atMs));
  const changedBaselines = [];
  for (const [metric, state] of Object.entries(computed.baselines)) {
    const json = JSON.stringify(state);
    const before = previousByMetric.get(metric);
    if (before?.state === json) continue; // untouched (a refused sample leaves its baseline as it was): no write
    const samples = (before?.samples ?? 0) + (Object.hasOwn(input.metrics, metric) ? 1 : 0);
    sampleCounts[metric] = samples;
    changedBaselines.push({
      key: baselineKey(input.service, metric),
      service: input.service,
      metric,
      state: json,
      samples: neo4j.int(samples),
      updatedAt: at,
    });
  }

  const result: StoredResult = { anomalies: computed.anomalies, diagnosis: computed.diagnosis, sampleCounts };
  await tx.run(WRITE_ANALYSIS, {
    service: input.service,
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
      result: JSON.stringify(result),
    },
    baselines: changedBaselines,
    anomalies: computed.anomalies.map((a) => ({
      id: `${input.analysisId}:anomaly:${a.metric}`,
      snapshotId: input.analysisId,
      service: input.service,
      at,
      ...a,
    })),
    ...diagnosisParams(input.analysisId, input.service, at, computed.diagnosis),
  });
  return { ...result, at: atMs, replayed: false };
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
