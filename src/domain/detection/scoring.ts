// From evidence (in sigmas) to what people and the diagnosis read: a score in [0, 1], a severity, a hint.
import type { Anomaly, SampleSeverity } from '../types';
import type { DetectorConfig } from './config';

/** What the detector says about one sample. */
export interface SampleResult {
  /** False when the sample was rejected (see reason); the baseline was not touched. */
  accepted: boolean;
  reason?: string | undefined;
  /** Standardised residual: (value - expected) / std. */
  zscore: number;
  /** Anomaly score in [0, 1]: 0.5 at the medium threshold, monotone in the evidence. */
  score: number;
  severity: SampleSeverity;
  direction: 'above' | 'below';
  /** The forecast the value was compared with, and the robust sigma used. */
  expected: number;
  std: number;
  /** A sentence for people when severity is not 'none'; '' otherwise. */
  hint: string;
  /** No alarm yet: a metric without a prior needs warmupSamples first. */
  warmingUp: boolean;
}

/** 1 - 2^-(evidence/mediumZ)²: 0 for no evidence, 0.5 at mediumZ, ~0.8 at 3 sigmas, always finite and in [0, 1]. */
export function anomalyScore(evidence: number, mediumZ: number): number {
  const ratio = Math.min(evidence / mediumZ, 1e6);
  return ratio > 0 ? 1 - Math.pow(2, -ratio * ratio) : 0;
}

export function severityOf(evidence: number, config: Pick<DetectorConfig, 'mediumZ' | 'highZ'>): SampleSeverity {
  if (evidence >= config.highZ) return 'high';
  return evidence >= config.mediumZ ? 'medium' : 'none';
}

/** "error_rate 0.08 is 7.0σ above its baseline 0.01" (+ "for several samples" when the evidence is cumulative). */
export function formatHint(metric: string, value: number, zscore: number, expected: number, sustained: boolean): string {
  const sigmas = Math.abs(zscore) < 100 ? Math.abs(zscore).toFixed(1) : Math.round(Math.abs(zscore)).toString();
  const side = zscore >= 0 ? 'above' : 'below';
  const tail = sustained ? ', and has been off it for several samples' : '';
  return `${metric} ${readable(value)} is ${sigmas}σ ${side} its baseline ${readable(expected)}${tail}`;
}

function readable(x: number): string {
  return String(Number(x.toPrecision(3)));
}

/** The Anomaly for a flagged sample (the shape the diagnosis and the API use), or null when nothing was flagged. */
export function toAnomaly(metric: string, value: number, result: SampleResult): Anomaly | null {
  if (!result.accepted || result.severity === 'none') return null;
  return {
    metric,
    value,
    baseline: result.expected,
    std: result.std,
    zscore: result.zscore,
    score: result.score,
    severity: result.severity,
    direction: result.direction,
    hint: result.hint,
  };
}
