// The shapes the audit read queries return, and their mapping from stored node properties.
import type { HealAttemptRecord, HealOutcomeLabel, HealStepRecord } from '../ports';
import type { Anomaly, Diagnosis, Evidence } from '../../domain/types';
import { num, numOrNull, parseJson, str, strings, strOrUndefined, type Props } from './values';

export interface AnomalyEventRecord extends Anomaly {
  id: string;
  snapshotId: string;
  service: string;
  at: number;
}

export interface SnapshotRecord {
  id: string;
  service: string;
  at: number;
  metrics: Record<string, number>;
  workflowId: string;
  actor: string;
  requestId: string;
  anomalyCount: number;
  /** The top hypothesis; null for snapshots stored without a diagnosis. */
  diagnosis: { issueType: string; rootCause: string; confidence: number } | null;
}

export interface AttemptWithSteps extends HealAttemptRecord {
  /** Ordered by seq; present when steps were asked for. */
  steps?: HealStepRecord[];
}

export interface AttemptQuery {
  service?: string;
  /** A scoped token's services (glob patterns): only attempts of a matching service. */
  servicePatterns?: string[];
  from: number;
  to: number;
  limit: number;
  cursor?: string;
  includeSteps?: boolean;
}

export function anomalyFromProps(p: Props): AnomalyEventRecord {
  return {
    id: str(p.id),
    snapshotId: str(p.snapshotId),
    service: str(p.service),
    at: num(p.at),
    metric: str(p.metric),
    value: num(p.value),
    baseline: num(p.baseline),
    std: num(p.std),
    zscore: num(p.zscore),
    score: num(p.score),
    severity: str(p.severity) as Anomaly['severity'],
    direction: str(p.direction) as Anomaly['direction'],
    hint: str(p.hint),
    // Written by later releases only: absent on older records.
    ...(p.episode === 'opened' || p.episode === 'ongoing' ? { episode: p.episode } : {}),
    ...(typeof p.episode_opened_at === 'string' ? { episode_opened_at: p.episode_opened_at } : {}),
    ...(p.late === true ? { late: true as const } : {}),
  };
}

export function snapshotFromProps(p: Props, anomalyCount: unknown, diagnosis: Props | null): SnapshotRecord {
  return {
    id: str(p.id),
    service: str(p.service),
    at: num(p.at),
    metrics: parseJson<Record<string, number>>(p.metrics, {}),
    workflowId: str(p.workflowId),
    actor: str(p.actor),
    requestId: str(p.requestId),
    anomalyCount: num(anomalyCount),
    diagnosis: diagnosis
      ? { issueType: str(diagnosis.issueType), rootCause: str(diagnosis.rootCause), confidence: num(diagnosis.confidence) }
      : null,
  };
}

/** Rebuilds the domain Diagnosis from a Diagnosis node and its Hypothesis nodes (ordered by rank). */
export function diagnosisFromProps(d: Props, hypotheses: Props[]): Diagnosis {
  return {
    issue_type: str(d.issueType),
    root_cause: str(d.rootCause),
    confidence: num(d.confidence),
    impacted_components: strings(d.impactedComponents),
    recommended_strategies: strings(d.recommendedStrategies),
    hypotheses: hypotheses.map((h) => ({
      rule_id: str(h.ruleId),
      issue_type: str(h.issueType),
      root_cause: str(h.rootCause),
      confidence: num(h.confidence),
      impacted_components: strings(h.impactedComponents),
      recommended_strategies: strings(h.recommendedStrategies),
      evidence: parseJson<Evidence[]>(h.evidence, []),
    })),
  };
}

export function attemptFromProps(p: Props): HealAttemptRecord {
  return {
    id: str(p.id),
    at: num(p.at),
    workflowId: str(p.workflowId),
    runId: str(p.runId),
    service: str(p.service),
    strategy: strOrUndefined(p.strategy) ?? null,
    dryRun: p.dryRun === true,
    applied: p.applied === true,
    verified: p.verified === true,
    outcome: str(p.outcome) as HealOutcomeLabel,
    issueType: str(p.issueType),
    rootCause: str(p.rootCause),
    actor: str(p.actor),
    requestId: str(p.requestId),
    diagnosis: parseJson<Diagnosis>(p.diagnosis, { issue_type: '', root_cause: '', confidence: 0, impacted_components: [], recommended_strategies: [] }),
    plan: parseJson<unknown>(p.plan, null),
    reasons: strings(p.reasons),
    finishedAt: numOrNull(p.finishedAt),
  };
}

export function stepFromProps(p: Props): HealStepRecord {
  const action = strOrUndefined(p.action);
  const target = strOrUndefined(p.target);
  return {
    id: str(p.id),
    attemptId: str(p.attemptId),
    seq: num(p.seq),
    step: str(p.step),
    status: str(p.status) as HealStepRecord['status'],
    ...(action === undefined ? {} : { action }),
    ...(target === undefined ? {} : { target }),
    detail: str(p.detail),
    data: parseJson<Record<string, unknown>>(p.data, {}),
    at: num(p.at),
  };
}
