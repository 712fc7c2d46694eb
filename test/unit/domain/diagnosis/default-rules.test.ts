import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, diagnose } from '../../../../src/domain/diagnosis';
import { strategyNames } from '../../../../src/domain/strategies';
import type { Anomaly, HealContext } from '../../../../src/domain/types';
import { anomaly } from './anomaly-fixture';

const context: HealContext = { services: ['api'], queues: ['events'], containers: ['abc123'] };

const cases: { rule: string; issue: string; anomalies: Anomaly[]; context?: HealContext; evidence: string }[] = [
  { rule: 'error-rate-spike', issue: 'degradation', anomalies: [anomaly('error_rate', 0.08)], evidence: 'error_rate' },
  { rule: 'cpu-saturation', issue: 'cpu_saturation', anomalies: [anomaly('cpu_load', 0.92)], evidence: 'cpu_load' },
  {
    rule: 'memory-growth',
    issue: 'memory_leak',
    anomalies: [anomaly('memory_rss_mb', 900)],
    evidence: 'memory_rss_mb',
  },
  {
    rule: 'slow-dependency',
    issue: 'slow_dependency',
    anomalies: [anomaly('latency_p95', 450)],
    evidence: 'latency_p95',
  },
  { rule: 'queue-backlog', issue: 'queue_backlog', anomalies: [anomaly('queue_depth', 5000)], evidence: 'queue_depth' },
  {
    rule: 'traffic-surge',
    issue: 'capacity',
    anomalies: [anomaly('requests_per_sec', 4000)],
    evidence: 'requests_per_sec',
  },
  {
    rule: 'crash-loop',
    issue: 'crash_loop',
    anomalies: [],
    context: { ...context, container_states: [{ id: 'abc123', name: 'api-1', state: 'restarting', restart_count: 7 }] },
    evidence: 'api-1',
  },
];

describe('default rules', () => {
  it.each(cases)('$rule fires on its pattern, ranks first and explains itself', (c) => {
    const d = diagnose(c.anomalies, c.context ?? context);
    expect(d.issue_type).toBe(c.issue);
    const top = d.hypotheses?.[0];
    expect(top?.rule_id).toBe(c.rule);
    expect(top?.evidence.length).toBeGreaterThan(0);
    expect(top?.evidence.map((e) => `${e.metric ?? ''} ${e.detail}`).join('\n')).toContain(c.evidence);
    expect(d.impacted_components).toContain('api');
  });

  it('covers every default rule above', () => {
    expect(cases.map((c) => c.rule).sort()).toEqual(DEFAULT_RULES.map((r) => r.id).sort());
  });

  it('recommends only strategies of the library', () => {
    const known = strategyNames();
    for (const r of DEFAULT_RULES) for (const s of r.outcome.recommended_strategies) expect(known).toContain(s);
  });

  it('crash loop fires on unhealthy health, exited state or restart count, and names the matched containers', () => {
    const states: HealContext['container_states'] = [
      { id: 'a', name: 'api-1', state: 'running', health: 'unhealthy' },
      { id: 'b', name: 'api-2', state: 'exited' },
      { id: 'c', name: 'api-3', state: 'running', health: 'healthy', restart_count: 4 },
      { id: 'd', name: 'api-4', state: 'running', health: 'healthy', restart_count: 0 },
    ];
    const d = diagnose([], { services: ['api'], container_states: states });
    expect(d.issue_type).toBe('crash_loop');
    expect(d.impacted_components).toEqual(['api-2', 'api-1', 'api-3', 'api']);
    expect(d.hypotheses?.[0]?.evidence).toHaveLength(3);
  });

  it('slow dependency does not fire when CPU is also high', () => {
    const d = diagnose([anomaly('latency_p95', 450), anomaly('cpu_load', 0.95)], context);
    expect(d.hypotheses?.map((h) => h.rule_id)).toEqual(['cpu-saturation']);
  });

  it('queue backlog impacts the context queues too', () => {
    expect(diagnose([anomaly('queue_depth', 5000)], context).impacted_components).toEqual(['api', 'events']);
  });
});
