import { describe, expect, it } from 'vitest';
import {
  createRuleRegistry,
  DEFAULT_RULES,
  diagnose,
  UNKNOWN_CONFIDENCE,
  type DiagnosisRule,
} from '../../../../src/domain/diagnosis';
import { anomaly } from './anomaly-fixture';

const context = { services: ['api'], queues: ['events'] };

describe('diagnose', () => {
  it("ranks the spec's example: error rate first, then CPU saturation, no slow dependency while CPU is high", () => {
    const anomalies = [
      anomaly('error_rate', 0.08, { score: 0.95 }),
      anomaly('cpu_load', 0.92, { score: 0.9 }),
      anomaly('latency_p95', 450, { score: 0.7, severity: 'medium' }),
    ];
    const d = diagnose(anomalies, context);
    expect(d.hypotheses?.map((h) => h.issue_type)).toEqual(['degradation', 'cpu_saturation']);
    expect(d).toMatchObject({
      issue_type: 'degradation',
      root_cause: 'elevated error rate',
      impacted_components: ['api'],
    });
    expect(d.recommended_strategies).toEqual(['restart_unhealthy', 'rolling_restart', 'scale_service']);
    expect(d.confidence).toBe(d.hypotheses?.[0]?.confidence);
    expect(d.hypotheses?.[0]?.evidence[0]?.detail).toContain('error_rate 0.08');
  });

  it('lowers confidence with weaker evidence: strong CPU outranks a weak error spike', () => {
    const d = diagnose([anomaly('error_rate', 0.02, { score: 0.1 }), anomaly('cpu_load', 0.99, { score: 1 })], context);
    expect(d.hypotheses?.map((h) => h.rule_id)).toEqual(['cpu-saturation', 'error-rate-spike']);
    expect(d.hypotheses?.[0]?.confidence).toBe(0.75);
    expect(d.hypotheses?.[1]?.confidence).toBeCloseTo(0.8 * (0.6 + 0.4 * 0.1), 3);
  });

  it('ranks several matches by confidence, each with its own evidence', () => {
    const anomalies = [
      anomaly('memory_used', 1, { score: 0.8 }),
      anomaly('queue_depth', 900, { score: 0.6 }),
      anomaly('requests_total', 9, { score: 0.5 }),
    ];
    const hs = diagnose(anomalies, context).hypotheses ?? [];
    expect(hs.map((h) => h.issue_type)).toEqual(['memory_leak', 'queue_backlog', 'capacity']);
    expect(hs.map((h) => h.evidence[0]?.metric)).toEqual(['memory_used', 'queue_depth', 'requests_total']);
    expect(hs.map((h) => h.confidence)).toEqual([...hs.map((h) => h.confidence)].sort((a, b) => b - a));
  });

  it('ignores anomalies in the direction a rule does not ask for', () => {
    const d = diagnose([anomaly('error_rate', 0.001, { direction: 'below' })], context);
    expect(d.issue_type).toBe('unknown');
  });

  it('returns a low-confidence unknown hypothesis when anomalies match no rule', () => {
    const d = diagnose([anomaly('disk_inodes', 1e6)], context);
    expect(d).toMatchObject({
      issue_type: 'unknown',
      confidence: UNKNOWN_CONFIDENCE,
      recommended_strategies: ['observe'],
    });
    expect(d.hypotheses?.[0]?.evidence[0]?.metric).toBe('disk_inodes');
  });

  it("returns issue type 'none' with no anomalies and no matching context", () => {
    const d = diagnose([], { ...context, container_states: [{ id: 'a', state: 'running', health: 'healthy' }] });
    expect(d).toEqual({
      issue_type: 'none',
      root_cause: 'no anomaly detected',
      confidence: 0,
      impacted_components: [],
      recommended_strategies: [],
      hypotheses: [],
    });
  });

  it('honours min_severity, min_score, metric lists and min_containers of added rules', () => {
    const rule: DiagnosisRule = {
      id: 'gc-pressure',
      description: 'GC pauses with several restarting containers',
      predicate: {
        all: [
          { anomaly: { metric: ['gc_pause*', 'jvm_gc*'], min_severity: 'high', min_score: 0.5 } },
          { context: { containers_in_state: ['restarting'], min_containers: 2 } },
        ],
      },
      outcome: {
        issue_type: 'gc_pressure',
        root_cause: 'GC thrash',
        confidence: 0.9,
        recommended_strategies: ['rolling_restart'],
      },
    };
    const states = [
      { id: 'a', state: 'restarting' as const },
      { id: 'b', state: 'restarting' as const },
    ];
    const rules = [rule];
    expect(diagnose([anomaly('JVM_GC_TIME', 5)], { container_states: states }, rules).issue_type).toBe('gc_pressure');
    expect(
      diagnose([anomaly('jvm_gc_time', 5, { severity: 'medium' })], { container_states: states }, rules).issue_type,
    ).toBe('unknown');
    expect(diagnose([anomaly('jvm_gc_time', 5, { score: 0.4 })], { container_states: states }, rules).issue_type).toBe(
      'unknown',
    );
    expect(diagnose([anomaly('jvm_gc_time', 5)], { container_states: states.slice(1) }, rules).issue_type).toBe(
      'unknown',
    );
  });

  it('keeps registration order for equal confidences', () => {
    const registry = createRuleRegistry(DEFAULT_RULES);
    const twin: DiagnosisRule = { ...DEFAULT_RULES[0]!, id: 'error-rate-twin' };
    registry.register(twin);
    const hs = diagnose([anomaly('error_rate', 0.08)], context, registry.rules()).hypotheses ?? [];
    expect(hs.map((h) => h.rule_id)).toEqual(['error-rate-spike', 'error-rate-twin']);
  });
});
