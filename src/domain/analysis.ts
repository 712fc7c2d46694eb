// One analysis: fold the metrics into their baselines, then diagnose the anomalies. Pure; the store runs it
// inside its transaction.
import type { Config } from '../config';
import { analyzeMetrics, createDetector, parseBaselineState, resolveDetectorConfig, type BaselineState, type Detector } from './detection';
import { diagnose, type DiagnosisRule } from './diagnosis';
import type { Anomaly, Diagnosis, HealContext } from './types';

export interface AnalysisRequest {
  baselines: Record<string, unknown>;
  metrics: Record<string, number>;
  at: number;
  context: HealContext;
  service: string;
  rules: readonly DiagnosisRule[];
  detector: Detector;
}

/** The service's detector, built once per process from the configuration. */
export function detectorFor(detection: Config['detection']): Detector {
  return createDetector(
    resolveDetectorConfig({ alpha: detection.ewmaAlpha, beta: detection.hwBeta, mediumZ: detection.mediumZ, highZ: detection.highZ }),
  );
}

export function analyzeSample(r: AnalysisRequest): { baselines: Record<string, BaselineState>; anomalies: Anomaly[]; diagnosis: Diagnosis } {
  const states: Record<string, BaselineState | undefined> = {};
  for (const [metric, raw] of Object.entries(r.baselines)) states[metric] = parseBaselineState(raw) ?? undefined;
  const analysis = analyzeMetrics(states, r.metrics, r.at, r.detector);
  const context: HealContext = { ...r.context, services: r.context.services ?? [r.service] };
  return { baselines: analysis.states, anomalies: analysis.anomalies, diagnosis: diagnose(analysis.anomalies, context, r.rules) };
}
