// One analysis: fold the metrics into their baselines, then diagnose the anomalies, and the event announcing it.
// Pure; the store runs it on the baselines it has checked are current.
//
// Late samples: a sample whose time is not after its baseline's newest sample arrived late (a client retry, or a
// fault that reordered a client's increasing timestamps). It is never refused: it is recorded, marked late, and
// judged against the baseline as it stands, without moving a baseline that has already passed it. Beyond
// `lateWindowMs` the baseline no longer describes that time, so a very late sample is recorded without a verdict.
import type { Config } from '../config';
import { analyzeMetrics, createDetector, parseBaselineState, resolveDetectorConfig, toAnomaly, validateSample, type BaselineState, type Detector } from './detection';
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
  /** How far behind its baseline's newest sample a late sample is still judged (it is recorded either way). */
  lateWindowMs: number;
}

/** The service's detector, built once per process from the configuration. */
export function detectorFor(detection: Config['detection']): Detector {
  return createDetector(
    resolveDetectorConfig({
      alpha: detection.ewmaAlpha,
      beta: detection.hwBeta,
      mediumZ: detection.mediumZ,
      highZ: detection.highZ,
      acceptAfterSamples: detection.acceptAfterSamples,
    }),
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
  /** Metrics whose sample arrived late: recorded and judged, but not folded into their baseline. */
  lateMetrics: string[];
}

export function analyzeSample(r: AnalysisRequest): SampleAnalysis {
  const states: Record<string, BaselineState | undefined> = {};
  for (const [metric, raw] of Object.entries(r.baselines)) states[metric] = parseBaselineState(raw) ?? undefined;
  const onTime: Record<string, number> = {};
  const lateMetrics: string[] = [];
  const lateAnomalies: Anomaly[] = [];
  const refused: RefusedSample[] = [];
  for (const [metric, value] of Object.entries(r.metrics)) {
    const lastAt = Object.hasOwn(states, metric) ? states[metric]?.lastAt : null;
    if (lastAt === null || lastAt === undefined || r.at > lastAt) {
      onTime[metric] = value;
      continue;
    }
    const valueProblem = validateSample(metric, value, r.detector.config);
    if (valueProblem) {
      refused.push({ field: `metrics.${metric}`, reason: valueProblem });
      continue;
    }
    lateMetrics.push(metric);
    if (lastAt - r.at > r.lateWindowMs) continue;
    // Judged as if it came just after the newest sample, on a copy: the stored baseline stays as it is.
    const { result } = r.detector.update(states[metric], metric, value, lastAt + 1);
    const anomaly = toAnomaly(metric, value, result);
    if (anomaly) lateAnomalies.push({ ...anomaly, late: true });
  }
  const analysis = analyzeMetrics(states, onTime, r.at, r.detector);
  for (const [metric, result] of Object.entries(analysis.results)) {
    if (result.accepted) continue;
    const valueProblem = validateSample(metric, r.metrics[metric], r.detector.config);
    refused.push(valueProblem ? { field: `metrics.${metric}`, reason: valueProblem } : { field: 'at', reason: `${result.reason ?? 'refused'} for ${metric}` });
  }
  const anomalies = [...analysis.anomalies, ...lateAnomalies].sort((a, b) => b.score - a.score || Math.abs(b.zscore) - Math.abs(a.zscore));
  const context: HealContext = { ...r.context, services: r.context.services ?? [r.service] };
  return { baselines: analysis.states, anomalies, diagnosis: diagnose(anomalies, context, r.rules), refused, lateMetrics };
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
