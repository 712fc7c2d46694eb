// Cold start: the spec's one-shot analyze example has no history, so priors per well-known metric judge it.
import { describe, expect, it } from 'vitest';
import { analyzeMetrics, createDetector, metricProfile, toAnomaly } from '../../../../src/domain/detection';
import { MINUTE, START } from './synthetic';

describe('cold start and analyzeMetrics', () => {
  it("flags all three metrics of the spec's example, with hints, highest score first", () => {
    const { anomalies, states } = analyzeMetrics({}, { error_rate: 0.08, cpu_load: 0.92, latency_p95: 450 }, START);
    const byMetric = Object.fromEntries(anomalies.map((a) => [a.metric, a]));
    expect(Object.keys(byMetric).sort()).toEqual(['cpu_load', 'error_rate', 'latency_p95']);
    expect(byMetric.error_rate!.severity).toBe('high');
    expect(byMetric.latency_p95!.severity).toBe('high');
    expect(['medium', 'high']).toContain(byMetric.cpu_load!.severity);
    expect(byMetric.error_rate!.hint).toBe('error_rate 0.08 is 7.0σ above its baseline 0.01');
    for (const a of anomalies) expect(a.direction).toBe('above');
    expect(anomalies.map((a) => a.score)).toEqual([...anomalies.map((a) => a.score)].sort((a, b) => b - a));
    expect(states.error_rate!.count).toBe(1);
  });

  it('does not flag healthy values of well-known metrics on a first sample', () => {
    const { anomalies } = analyzeMetrics({}, { error_rate: 0.005, cpu_load: 0.35, memory_usage: 0.5, latency_p95: 120 }, START);
    expect(anomalies).toEqual([]);
  });

  it('reads cpu and memory given as percentages on the first sample', () => {
    const calm = analyzeMetrics({}, { cpu_percent: 45, memory_percent: 55 }, START);
    expect(calm.anomalies).toEqual([]);
    const busy = analyzeMetrics({}, { cpu_percent: 97 }, START);
    expect(busy.anomalies.map((a) => a.metric)).toEqual(['cpu_percent']);
  });

  it('never alarms on an unknown metric before warm-up, however odd the values', () => {
    const detector = createDetector({ warmupSamples: 20 });
    const state = detector.createState();
    const results = [1, 1, 1, 1, 1000, 1, 1].map((v, i) => detector.observe(state, 'widgets', v, START + i * MINUTE));
    expect(results.every((r) => r.severity === 'none' && r.warmingUp)).toBe(true);
  });

  it('ignores the harmless side of one-sided metrics: a drop in error rate is no anomaly', () => {
    const detector = createDetector();
    const state = detector.createState();
    for (let i = 0; i < 50; i++) detector.observe(state, 'error_rate', 0.02 + (i % 3) * 0.001, START + i * MINUTE);
    const drop = detector.observe(state, 'error_rate', 0, START + 50 * MINUTE);
    expect(drop.zscore).toBeLessThan(-3);
    expect(drop.severity).toBe('none');
    expect(toAnomaly('error_rate', 0, drop)).toBeNull();
  });

  it('lets the config override a metric direction', () => {
    expect(metricProfile('error_rate', { metrics: {} }).direction).toBe('above');
    expect(metricProfile('error_rate', { metrics: { error_rate: { direction: 'both' } } }).direction).toBe('both');
    expect(metricProfile('requests_per_second', { metrics: {} }).direction).toBe('both');
    expect(metricProfile('api.latency_p95_ms', { metrics: {} }).kind).toBe('latency');
  });

  it('judges a latency in the unit its name gives: a jump from 0.1 s to 3 s is high, in seconds as in milliseconds', () => {
    const jump = (metric: string, steady: number, spike: number) => {
      let states = {};
      for (let i = 0; i < 30; i++) states = analyzeMetrics(states, { [metric]: steady * (1 + 0.02 * Math.sin(i)) }, START + i * MINUTE).states;
      return analyzeMetrics(states, { [metric]: spike }, START + 30 * MINUTE).results[metric]!;
    };
    expect(jump('latency_p99_seconds', 0.1, 3).severity).toBe('high');
    expect(jump('latency_p99_ms', 100, 3000).severity).toBe('high');
    expect(jump('http_request_duration_microseconds', 100_000, 3_000_000).severity).toBe('high');
    expect(metricProfile('latency_p99_seconds', { metrics: {} })).toMatchObject({ kind: 'latency', prior: { mean: 0.15 }, absoluteScaleFloor: 0.001 });
    expect(metricProfile('latency_p95', { metrics: {} })).toMatchObject({ prior: { mean: 150 }, absoluteScaleFloor: 1 });
  });

  it('keeps analyzeMetrics pure: input states are not modified, untouched metrics keep their state', () => {
    const first = analyzeMetrics({}, { error_rate: 0.01, queue_depth: 5 }, START);
    const snapshot = structuredClone(first.states);
    const second = analyzeMetrics(first.states, { error_rate: 0.012 }, START + MINUTE);
    expect(first.states).toEqual(snapshot);
    expect(second.states.queue_depth).toBe(first.states.queue_depth);
    expect(second.states.error_rate!.count).toBe(2);
  });

  it('treats a metric named __proto__ as a plain name', () => {
    const { states, results } = analyzeMetrics({}, JSON.parse('{"__proto__": 3, "queue_depth": 4}'), START);
    expect(Object.keys(states).sort()).toEqual(['__proto__', 'queue_depth']);
    expect(Object.hasOwn(results, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(states)).toBe(Object.prototype);
  });

  it('reports a rejected metric in results and keeps its previous state', () => {
    const first = analyzeMetrics({}, { latency_p95: 100 }, START);
    const second = analyzeMetrics(first.states, { latency_p95: -5 }, START + MINUTE);
    expect(second.results.latency_p95).toMatchObject({ accepted: false, reason: 'negative value for a latency metric' });
    expect(second.states.latency_p95).toBe(first.states.latency_p95);
  });
});
