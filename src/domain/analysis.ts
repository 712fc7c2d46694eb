// One analysis: fold the metrics into their baselines, then diagnose the anomalies, and the event announcing it.
// Pure; the store runs it on the baselines it has checked are current.
import type { Config } from '../config';
import { analyzeMetrics, createDetector, parseBaselineState, resolveDetectorConfig, validateSample, type BaselineState, type Detector } from './detection';
import { diagnose, type DiagnosisRule } from './diagnosis';
import { EVENT_VERSION, type EventEnvelope } from './events';
import type { AnalyzeResult } from './heal';
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

/** A sample the detector refused, blaming the request field: `metrics.<name>` for its value, `at` for its time. */
export interface RefusedSample {
  field: string;
  reason: string;
}

export interface SampleAnalysis {
  baselines: Record<string, BaselineState>;
  anomalies: Anomaly[];
  diagnosis: Diagnosis;
  refused: RefusedSample[];
}

export function analyzeSample(r: AnalysisRequest): SampleAnalysis {
  const states: Record<string, BaselineState | undefined> = {};
  for (const [metric, raw] of Object.entries(r.baselines)) states[metric] = parseBaselineState(raw) ?? undefined;
  const analysis = analyzeMetrics(states, r.metrics, r.at, r.detector);
  const context: HealContext = { ...r.context, services: r.context.services ?? [r.service] };
  const refused = Object.entries(analysis.results).flatMap(([metric, result]): RefusedSample[] => {
    if (result.accepted) return [];
    const valueProblem = validateSample(metric, r.metrics[metric], r.detector.config);
    return [valueProblem ? { field: `metrics.${metric}`, reason: valueProblem } : { field: 'at', reason: `${result.reason ?? 'refused'} for ${metric}` }];
  });
  return { baselines: analysis.states, anomalies: analysis.anomalies, diagnosis: diagnose(analysis.anomalies, context, r.rules), refused };
}

/** The event announcing a recorded analysis. Its id is stable across retries, so consumers drop duplicates. */
export function analyzedEvent(result: AnalyzeResult, runId: string): EventEnvelope {
  return {
    id: `${result.workflow_id}:analyzed`,
    type: 'analyze',
    version: EVENT_VERSION,
    at: result.at,
    workflowId: result.workflow_id,
    runId,
    service: result.service,
    step: 'analyzed',
    data: { anomalies: result.anomalies, diagnosis: result.diagnosis },
  };
}
