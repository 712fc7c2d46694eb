import type { Anomaly, Diagnosis, HealContext, Hypothesis } from '../types';
import { evaluateCondition, type ConditionResult } from './conditions';
import { DEFAULT_RULES } from './default-rules';
import type { DiagnosisRule, ImpactSource } from './rule-types';

/** Share of a rule's confidence that does not depend on evidence strength: weak evidence still counts for 60%. */
const EVIDENCE_FLOOR = 0.6;
/** Confidence of the fallback hypothesis when anomalies match no rule. */
export const UNKNOWN_CONFIDENCE = 0.2;

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Mean strength of the evidence; 0 when a rule matched on gates alone (e.g. only `no_anomaly`). */
function evidenceStrength(result: ConditionResult): number {
  const s = result.strengths;
  return s.length === 0 ? 0 : s.reduce((a, b) => a + b, 0) / s.length;
}

function impactedComponents(sources: ImpactSource[], context: HealContext, result: ConditionResult): string[] {
  const names = sources.flatMap((source) =>
    source === 'matched_containers' ? result.containers.map((c) => c.name ?? c.id) : (context[source] ?? []),
  );
  return [...new Set(names)];
}

function hypothesisFor(rule: DiagnosisRule, result: ConditionResult, context: HealContext): Hypothesis {
  const { outcome } = rule;
  return {
    rule_id: rule.id,
    issue_type: outcome.issue_type,
    root_cause: outcome.root_cause,
    confidence: round3(outcome.confidence * (EVIDENCE_FLOOR + (1 - EVIDENCE_FLOOR) * evidenceStrength(result))),
    impacted_components: impactedComponents(outcome.impacted_components ?? ['services'], context, result),
    recommended_strategies: [...outcome.recommended_strategies],
    evidence: result.evidence,
  };
}

function unknownHypothesis(anomalies: Anomaly[], context: HealContext): Hypothesis {
  const metrics = [...new Set(anomalies.map((a) => a.metric))];
  return {
    rule_id: 'unknown',
    issue_type: 'unknown',
    root_cause: `anomalies on ${metrics.join(', ')} match no diagnosis rule`,
    confidence: UNKNOWN_CONFIDENCE,
    impacted_components: [...(context.services ?? [])],
    recommended_strategies: ['observe'],
    evidence: anomalies.map((a) => ({ kind: 'anomaly', metric: a.metric, detail: a.hint })),
  };
}

/**
 * Every matching rule gives a hypothesis, ranked by confidence (ties keep rule order). Context-only rules (e.g. a
 * crash loop) fire without anomalies; with no anomaly and no match the issue type is 'none'.
 */
export function diagnose(
  anomalies: Anomaly[],
  context: HealContext,
  rules: readonly DiagnosisRule[] = DEFAULT_RULES,
): Diagnosis {
  const matched = rules
    .map((rule) => ({ rule, result: evaluateCondition(rule.predicate, anomalies, context) }))
    .filter(({ result }) => result.matched)
    .map(({ rule, result }) => hypothesisFor(rule, result, context));
  // Array.prototype.sort is stable, so equal confidences keep the rules' order.
  const hypotheses = matched.sort((a, b) => b.confidence - a.confidence);
  if (hypotheses.length === 0 && anomalies.length > 0) hypotheses.push(unknownHypothesis(anomalies, context));
  const top = hypotheses[0];
  if (!top) {
    return {
      issue_type: 'none',
      root_cause: 'no anomaly detected',
      confidence: 0,
      impacted_components: [],
      recommended_strategies: [],
      hypotheses: [],
    };
  }
  return {
    issue_type: top.issue_type,
    root_cause: top.root_cause,
    confidence: top.confidence,
    impacted_components: top.impacted_components,
    recommended_strategies: top.recommended_strategies,
    hypotheses,
  };
}
