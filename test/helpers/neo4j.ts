// Shared by the Neo4j integration tests and the audit benchmark: a connection to the real server (schema ensured),
// data builders, and cleanup by the unique names each test created (never a database wipe: others share it).
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config';
import type { AnalysisAnnouncement, AnalysisComputation, AnalysisInput, BaselineStates, HealAttemptRecord, HealStepRecord } from '../../src/adapters/ports';
import { EVENT_VERSION } from '../../src/domain/events';
import { connectNeo4j, type Neo4jConnection } from '../../src/adapters/neo4j/driver';
import { ensureSchema } from '../../src/adapters/neo4j/schema';
import type { Anomaly, Diagnosis } from '../../src/domain/types';

export async function connectTestNeo4j(): Promise<Neo4jConnection> {
  const connection = await connectNeo4j(loadConfig().neo4j);
  await ensureSchema(connection);
  return connection;
}

export function uniqueService(prefix = 'svc'): string {
  return `${prefix}-${randomUUID()}`;
}

/** Deletes the services and everything hanging off them (snapshots, anomalies, diagnoses, baselines, locks, attempts, steps, outcomes, incidents, decisions, watches, outbox events, heal budget reservations). */
export async function deleteServices({ driver, database }: Neo4jConnection, services: string[]): Promise<void> {
  await driver.executeQuery(
    `UNWIND $services AS name
     MATCH (s:Service {name: name})
     CALL (s) {
       OPTIONAL MATCH (s)-[:HAS_SNAPSHOT]->(m)
       OPTIONAL MATCH (m)-[:HAS_ANOMALY|DIAGNOSED_AS]->(x)
       OPTIONAL MATCH (x)-[:HAS_HYPOTHESIS]->(h)
       DETACH DELETE h, x, m
     }
     CALL (s) {
       OPTIONAL MATCH (s)-[:HAS_ATTEMPT|HAS_BASELINE|HAS_ANALYSIS_LOCK|HAD_INCIDENT|WATCHED_BY]->(a)
       OPTIONAL MATCH (a)-[:HAS_STEP|OUTCOME|DECIDED|HAD_SIGHT]->(st)
       DETACH DELETE st, a
     }
     CALL (s) {
       OPTIONAL MATCH (o:OutboxEvent {stream: s.name})
       DETACH DELETE o
     }
     CALL (s) {
       OPTIONAL MATCH (r:HealBudgetReservation {service: s.name})
       DELETE r
     }
     DETACH DELETE s`,
    { services },
    { database },
  );
}

/** Deletes attempts (with their steps and outcomes) and choices by attempt id, for data written without a service. */
export async function deleteAttempts({ driver, database }: Neo4jConnection, attemptIds: string[]): Promise<void> {
  await driver.executeQuery(
    `UNWIND $attemptIds AS id
     OPTIONAL MATCH (a:HealingAttempt {id: id})
     OPTIONAL MATCH (a)-[:HAS_STEP|OUTCOME]->(x)
     OPTIONAL MATCH (o:StrategyOutcome {attemptId: id})
     OPTIONAL MATCH (c:StrategyChoice {attemptId: id})
     DETACH DELETE x, a, o, c`,
    { attemptIds },
    { database },
  );
}

export function analysisInput(service: string, at: number, metrics: Record<string, number>, analysisId = randomUUID()): AnalysisInput {
  return { analysisId, service, at, metrics, context: { services: [service] }, workflowId: `analyze-${analysisId}`, actor: 'tester', requestId: `req-${analysisId}` };
}

export function anomaly(metric: string, value: number, zscore: number): Anomaly {
  return {
    metric,
    value,
    baseline: value / 2,
    std: 0.1,
    zscore,
    score: Math.min(1, zscore / 5),
    severity: zscore >= 3 ? 'high' : 'medium',
    direction: 'above',
    hint: `${metric} ${value} is ${zscore}σ above its baseline`,
  };
}

export function diagnosis(service: string, metrics: string[]): Diagnosis {
  return {
    issue_type: 'high_error_rate',
    root_cause: 'upstream failure',
    confidence: 0.8,
    impacted_components: [service],
    recommended_strategies: ['restart_container'],
    hypotheses: [
      {
        rule_id: 'errors-and-latency',
        issue_type: 'high_error_rate',
        root_cause: 'upstream failure',
        confidence: 0.8,
        impacted_components: [service],
        recommended_strategies: ['restart_container'],
        evidence: metrics.map((metric) => ({ kind: 'anomaly' as const, metric, detail: `${metric} anomalous` })),
      },
      {
        rule_id: 'fallback',
        issue_type: 'unknown',
        root_cause: 'unknown',
        confidence: 0.2,
        impacted_components: [],
        recommended_strategies: [],
        evidence: [{ kind: 'context', detail: 'nothing else matched' }],
      },
    ],
  };
}

/**
 * A pure computation whose baseline state counts the samples it has folded in ({count}), so a lost update shows
 * as a count below the number of analyses. Every input metric is flagged as an anomaly.
 */
export function countingCompute(input: AnalysisInput): (baselines: BaselineStates) => AnalysisComputation {
  return (baselines) => {
    const next: BaselineStates = { ...baselines };
    for (const metric of Object.keys(input.metrics)) {
      const previous = (baselines[metric] as { count?: number } | undefined)?.count ?? 0;
      next[metric] = { count: previous + 1, last: input.metrics[metric] };
    }
    const metrics = Object.keys(input.metrics);
    return {
      baselines: next,
      anomalies: metrics.map((m) => anomaly(m, input.metrics[m] ?? 0, 4)),
      diagnosis: diagnosis(input.service, metrics),
      lateMetrics: [],
    };
  };
}

/** The analyzed event an analysis of `input` writes to the outbox. */
export function announceFor(input: AnalysisInput): AnalysisAnnouncement {
  return (outcome) => ({
    id: `${input.analysisId}:analyzed`,
    type: 'analyze',
    version: EVENT_VERSION,
    at: new Date(outcome.at).toISOString(),
    workflowId: input.workflowId,
    runId: 'test-run',
    service: input.service,
    step: 'analyzed',
    data: { anomalies: outcome.anomalies, diagnosis: outcome.diagnosis },
  });
}

export function attemptRecord(service: string, at: number, overrides: Partial<HealAttemptRecord> = {}): HealAttemptRecord {
  const id = overrides.id ?? `heal-${randomUUID()}`;
  return {
    id,
    at,
    workflowId: `heal-wf-${id}`,
    runId: `run-${id}`,
    service,
    strategy: 'restart_container',
    dryRun: false,
    applied: true,
    verified: false,
    outcome: 'running',
    issueType: 'high_error_rate',
    rootCause: 'upstream failure',
    actor: 'tester',
    requestId: `req-${id}`,
    diagnosis: diagnosis(service, ['error_rate']),
    plan: { steps: [{ kind: 'restart_container', target: `${service}-1` }] },
    reasons: [],
    finishedAt: null,
    ...overrides,
  };
}

export function stepRecords(attemptId: string, at: number, count: number): HealStepRecord[] {
  return Array.from({ length: count }, (_, seq) => ({
    id: `${attemptId}:${seq}`,
    attemptId,
    seq,
    step: seq === 0 ? 'planned' : 'action_completed',
    status: 'ok' as const,
    action: 'restart_container',
    target: `container-${seq}`,
    detail: `step ${seq}`,
    data: { seq, nested: { ok: true } },
    at: at + seq,
  }));
}
