import type { Anomaly, ContainerObservation, Evidence, HealContext } from '../types';
import type { AnomalyMatch, Condition, ContextMatch, MetricPattern } from './rule-types';

/** What a condition matched: the evidence to show, the strength of each piece, and the containers involved. */
export interface ConditionResult {
  matched: boolean;
  evidence: Evidence[];
  /** Evidence strengths in [0, 1]: anomaly scores, 1 for observed container states. */
  strengths: number[];
  containers: ContainerObservation[];
}

const SEVERITY_RANK = { medium: 1, high: 2 } as const;

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function metricGlobs(pattern: MetricPattern): string[] {
  const parts = Array.isArray(pattern) ? pattern : [pattern];
  return parts.flatMap((p) => p.split('|')).map((p) => p.trim());
}

function matchesMetric(pattern: MetricPattern, metric: string): boolean {
  return metricGlobs(pattern).some((g) => globToRegExp(g).test(metric));
}

function anomaliesMatching(m: AnomalyMatch, anomalies: Anomaly[]): Anomaly[] {
  return anomalies.filter(
    (a) =>
      matchesMetric(m.metric, a.metric) &&
      (m.direction === undefined || a.direction === m.direction) &&
      (m.min_severity === undefined || SEVERITY_RANK[a.severity] >= SEVERITY_RANK[m.min_severity]) &&
      (m.min_score === undefined || a.score >= m.min_score),
  );
}

function patternText(m: AnomalyMatch): string {
  return metricGlobs(m.metric).join('|') + (m.direction ? ` ${m.direction}` : '');
}

function containersMatching(m: ContextMatch, context: HealContext): ContainerObservation[] {
  return (context.container_states ?? []).filter(
    (c) =>
      (m.containers_in_state === undefined || m.containers_in_state.includes(c.state)) &&
      (m.health === undefined || c.health === m.health) &&
      (m.restart_count_gte === undefined || (c.restart_count ?? 0) >= m.restart_count_gte),
  );
}

function describeContainer(c: ContainerObservation): string {
  const parts = [`container ${c.name ?? c.id} is ${c.state}`];
  if (c.health && c.health !== 'none') parts.push(`health ${c.health}`);
  if (c.restart_count !== undefined) parts.push(`${c.restart_count} restarts`);
  return parts.join(', ');
}

const NO_MATCH: ConditionResult = { matched: false, evidence: [], strengths: [], containers: [] };

function combine(results: ConditionResult[], matched: boolean): ConditionResult {
  if (!matched) return NO_MATCH;
  const hits = results.filter((r) => r.matched);
  return {
    matched: true,
    evidence: hits.flatMap((r) => r.evidence),
    strengths: hits.flatMap((r) => r.strengths),
    containers: hits.flatMap((r) => r.containers),
  };
}

/** Evaluates every branch (no short-circuit) so that `any` reports all the evidence that matched. */
export function evaluateCondition(condition: Condition, anomalies: Anomaly[], context: HealContext): ConditionResult {
  if ('all' in condition) {
    const results = condition.all.map((c) => evaluateCondition(c, anomalies, context));
    return combine(
      results,
      results.every((r) => r.matched),
    );
  }
  if ('any' in condition) {
    const results = condition.any.map((c) => evaluateCondition(c, anomalies, context));
    return combine(
      results,
      results.some((r) => r.matched),
    );
  }
  if ('anomaly' in condition) {
    const hits = anomaliesMatching(condition.anomaly, anomalies);
    if (hits.length === 0) return NO_MATCH;
    return {
      matched: true,
      evidence: hits.map((a) => ({
        kind: 'anomaly',
        metric: a.metric,
        detail: `${a.hint} (score ${a.score.toFixed(2)})`,
      })),
      strengths: hits.map((a) => a.score),
      containers: [],
    };
  }
  if ('no_anomaly' in condition) {
    if (anomaliesMatching(condition.no_anomaly, anomalies).length > 0) return NO_MATCH;
    const text = patternText(condition.no_anomaly);
    // A gate, not evidence of strength: it adds a line to explain the hypothesis but no strength.
    return {
      matched: true,
      evidence: [{ kind: 'metric', detail: `no anomaly on ${text}: within its baseline` }],
      strengths: [],
      containers: [],
    };
  }
  const hits = containersMatching(condition.context, context);
  if (hits.length < (condition.context.min_containers ?? 1)) return NO_MATCH;
  return {
    matched: true,
    evidence: hits.map((c) => ({ kind: 'context', detail: describeContainer(c) })),
    strengths: hits.map(() => 1),
    containers: hits,
  };
}
