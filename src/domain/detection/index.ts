// The detection engine's public API (docs/detection.md).
export { DEFAULT_DETECTOR_CONFIG, resolveDetectorConfig } from './config';
export type { DetectorConfig, Direction, MetricOverride } from './config';
export { analyzeMetrics, createDetector } from './detector';
export type { Detector, MetricsAnalysis, UpdateOutcome } from './detector';
export { acceptCurrentLevel } from './episode';
export type { EpisodePhase } from './episode';
export { metricProfile } from './metric-profiles';
export type { MetricProfile } from './metric-profiles';
export { anomalyScore, toAnomaly } from './scoring';
export type { SampleResult } from './scoring';
export { cloneBaselineState, createBaselineState, parseBaselineState } from './state';
export type { BaselineState } from './state';
export { MAX_ABS_VALUE, validateSample, validateTimestamp } from './validate';
