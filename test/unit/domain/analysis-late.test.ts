// Late samples (issue 13): a sample not after its metric's newest one is recorded and judged, never refused, and never
// moves a baseline that has already passed it.
import { describe, expect, it } from 'vitest';
import { analyzeSample, detectorFor } from '../../../src/domain/analysis';
import { DEFAULT_RULES } from '../../../src/domain/diagnosis';
import { loadConfig } from '../../../src/config';

const detector = detectorFor(loadConfig({}).detection);
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 29, 8);
const WINDOW = 10 * MINUTE;

function analyze(baselines: Record<string, unknown>, metrics: Record<string, number>, at: number) {
  return analyzeSample({ baselines, metrics, at, context: {}, service: 'api', rules: DEFAULT_RULES, detector, lateWindowMs: WINDOW });
}

/** Baselines after `n` calm samples a minute apart, the last at T0 + (n - 1) minutes. */
function warmed(n = 60): Record<string, unknown> {
  let baselines: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const result = analyze(baselines, { error_rate: 0.01 + 0.001 * Math.sin(i), latency_p95: 120 + 5 * Math.cos(i) }, T0 + i * MINUTE);
    expect(result.refused).toEqual([]);
    baselines = result.baselines;
  }
  return baselines;
}

describe('analyzeSample with late samples', () => {
  const baselines = warmed();
  const newest = T0 + 59 * MINUTE;

  it('judges a late sample against the baseline as it stands, marks it late, and leaves the baseline untouched', () => {
    const result = analyze(baselines, { error_rate: 0.5 }, newest - 2 * MINUTE);
    expect(result.refused).toEqual([]);
    expect(result.lateMetrics).toEqual(['error_rate']);
    expect(result.baselines).toEqual(baselines);
    expect(result.anomalies).toHaveLength(1);
    expect(result.anomalies[0]).toMatchObject({ metric: 'error_rate', late: true, direction: 'above' });
    expect(result.diagnosis.issue_type).not.toBe('none');
  });

  it('treats a repeated timestamp as late, not as an error', () => {
    const result = analyze(baselines, { latency_p95: 121 }, newest);
    expect(result.refused).toEqual([]);
    expect(result.lateMetrics).toEqual(['latency_p95']);
    expect(result.anomalies).toEqual([]);
    expect(result.baselines).toEqual(baselines);
  });

  it('records a sample older than the window without a verdict', () => {
    const result = analyze(baselines, { error_rate: 0.5 }, newest - WINDOW - MINUTE);
    expect(result.refused).toEqual([]);
    expect(result.lateMetrics).toEqual(['error_rate']);
    expect(result.anomalies).toEqual([]);
    expect(result.baselines).toEqual(baselines);
  });

  it('folds the metrics that are on time and holds back only the late ones', () => {
    const result = analyze(baselines, { error_rate: 0.011, cpu_load: 0.4 }, newest - MINUTE);
    expect(result.lateMetrics).toEqual(['error_rate']);
    expect(result.baselines['error_rate']).toEqual(baselines['error_rate']);
    expect(result.baselines['cpu_load']).toBeDefined();
    expect(result.baselines['latency_p95']).toEqual(baselines['latency_p95']);
  });

  it('still refuses an invalid value, naming the metric, whether late or not', () => {
    expect(analyze(baselines, { latency_p95: -3 }, newest - MINUTE).refused).toEqual([{ field: 'metrics.latency_p95', reason: expect.stringContaining('negative') }]);
    expect(analyze(baselines, { latency_p95: -3 }, newest + MINUTE).refused).toEqual([{ field: 'metrics.latency_p95', reason: expect.stringContaining('negative') }]);
  });

  it('folds an on-time sample as before: the baseline moves on', () => {
    const result = analyze(baselines, { error_rate: 0.011 }, newest + MINUTE);
    expect(result.lateMetrics).toEqual([]);
    expect(result.baselines['error_rate']).not.toEqual(baselines['error_rate']);
  });
});
