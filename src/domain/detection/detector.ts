// The engine's public face: one detector per configuration, used by the analyze activity and the CLI alike.
import type { Anomaly } from '../types';
import { resolveDetectorConfig, type DetectorConfig } from './config';
import { assessAndLearn, type Assessment } from './baseline';
import { novelSurprise } from './recurring';
import { harmfulShiftHolds, stepEpisode } from './episode';
import { surpriseBeyondCap, surpriseOf, weighLikelihood } from './likelihood';
import { metricProfile, type MetricProfile } from './metric-profiles';
import { alarmScore, anomalyScore, formatHeldHint, formatHint, severityOf, toAnomaly, type SampleResult } from './scoring';
import { ALARM_MEMORY, cloneBaselineState, createBaselineState, type BaselineState } from './state';
import { sampleProblem, validateTimestamp } from './validate';

export interface Detector {
  readonly config: DetectorConfig;
  /** A baseline with no samples yet. */
  createState(): BaselineState;
  /**
   * Hot path: judges the sample and updates `state` in place (left untouched when the sample is rejected). The result
   * is written into `out` when given (a stream that reads each result before the next sample allocates nothing).
   */
  observe(state: BaselineState, metric: string, value: number, at: number, out?: SampleResult): SampleResult;
  /** Functional form for persistence: `state` is not modified; the returned state is a new object when accepted. */
  update(state: BaselineState | undefined, metric: string, value: number, at: number): UpdateOutcome;
}

export interface UpdateOutcome {
  state: BaselineState;
  result: SampleResult;
}

/** Where the evidence of a sample that may not open an episode stops, as a share of episodeOpenZ. */
const BELOW_OPENING = 0.999;

/** Cached metric profiles per detector; a bound keeps a stream of distinct names from growing it forever. */
const PROFILE_CACHE_LIMIT = 10_000;

export function createDetector(overrides: Partial<DetectorConfig> = {}): Detector {
  const config = resolveDetectorConfig(overrides);
  const profiles = new Map<string, MetricProfile>();
  const assessment: Assessment = { zscore: 0, sigmas: 0, sustained: false, expected: 0, std: 0, warmingUp: true, levelShift: 0 };

  function profileOf(metric: string): MetricProfile {
    let profile = profiles.get(metric);
    if (!profile) {
      if (profiles.size >= PROFILE_CACHE_LIMIT) profiles.clear();
      profile = metricProfile(metric, config);
      profiles.set(metric, profile);
    }
    return profile;
  }

  function observe(state: BaselineState, metric: string, value: number, at: number, out = emptyResult()): SampleResult {
    const profile = profileOf(metric);
    const reason = sampleProblem(value, profile) ?? validateTimestamp(at, state.lastAt);
    if (reason !== null) return rejected(reason, state, out);
    // The level before this sample learns from it (on a first sample: the prior's, which is what it is judged by).
    const levelBefore = state.count === 0 ? null : state.level;
    assessAndLearn(state, value, at, profile, config, assessment);
    const surprise = novelSurprise(state, surpriseOf(assessment.zscore, profile.direction), at, config);
    const standing = weighLikelihood(state, surprise, config) + surpriseBeyondCap(assessment.zscore, profile.direction);
    // Until the likelihood has history, the plain evidence judges (as for the spec's cold-start example with priors).
    const likelihoodReady = state.likelihoodCount > config.likelihoodWarmupSamples;
    const evidence = assessment.warmingUp ? 0 : likelihoodReady ? standing : assessment.sigmas;
    const openedBefore = state.episodeOpenedAt;
    // A sample whose own deviation is ordinary (below mediumZ) cannot start an episode, however unusual the recent
    // average: its evidence stays just under the opening level.
    const gated = assessment.sigmas < config.mediumZ ? Math.min(evidence, config.episodeOpenZ * BELOW_OPENING) : evidence;
    // Alarm spacing (as CAD OSE and ARTime suppress for a while after an alert): soon after the last episode opened,
    // a new one needs alarmSpacingFactor times the evidence; the row scores what is left of it.
    const alarm = soonAfterAlarm(state, at, config) ? gated / config.alarmSpacingFactor : gated;
    const peakDeviation = state.alarmPeakDeviation;
    const episode = stepEpisode(state, alarm, levelBefore ?? assessment.expected, assessment.levelShift, profile, config, at);
    const ongoing = episode === 'ongoing' || episode === 'resolved';
    const deviation = surpriseOf(assessment.zscore, profile.direction) > 0 ? Math.abs(value - assessment.expected) : 0;
    // A row that would start an episode: one that opens it, or one only the point gate held back (not alarm spacing).
    const startsEpisode = episode === 'opened' || (!ongoing && alarm === gated && gated < evidence && evidence >= config.episodeOpenZ);
    // Counted only for such rows (the count scans the remembered alarms), and before this row joins them.
    const earlierAlarms = startsEpisode ? comparableAlarms(state.alarmDeviations, config.alarmCountShare * deviation) : 0;
    if (episode === 'opened') {
      state.alarmPeakDeviation = Math.max(peakDeviation, deviation);
      rememberAlarm(state.alarmDeviations, deviation);
    }
    // A harmful shift the baseline has since learned is still the incident that opened the episode.
    const held = episode === 'ongoing' && harmfulShiftHolds(state);
    const pointSeverity = severityOf(assessment.sigmas, config);
    const heldOnly = held && pointSeverity === 'none';
    const harmfulSide = profile.direction === 'below' ? 'below' : 'above';
    const severity = heldOnly ? 'medium' : pointSeverity;
    out.accepted = true;
    out.reason = undefined;
    out.zscore = assessment.zscore;
    out.score = (config.alarmPeakWeight > 0 || config.alarmCountWeight > 0) && startsEpisode
      ? alarmScore(alarm, deviation, peakDeviation, earlierAlarms, config)
      : anomalyScore(alarm, config.mediumZ) * (ongoing ? config.ongoingScoreFactor : 1);
    out.severity = severity;
    out.direction = heldOnly ? harmfulSide : assessment.zscore >= 0 ? 'above' : 'below';
    out.expected = assessment.expected;
    out.std = assessment.std;
    out.hint = severity === 'none'
      ? ''
      : heldOnly
        ? formatHeldHint(metric, state.level, state.episodeReference, harmfulSide)
        : formatHint(metric, value, assessment.zscore, assessment.expected, assessment.sustained);
    out.warmingUp = assessment.warmingUp;
    out.episode = episode;
    out.ongoing = ongoing;
    out.episodeOpenedAt = episode === 'none' ? null : episode === 'opened' ? at : openedBefore;
    return out;
  }

  return {
    config,
    createState: () => createBaselineState(config),
    observe,
    update(state, metric, value, at) {
      const next = state ? cloneBaselineState(state) : createBaselineState(config);
      const result = observe(next, metric, value, at);
      return { state: result.accepted ? next : (state ?? next), result };
    },
  };
}

/**
 * The last episode opened less than alarmSpacingSamples typical intervals ago and has resolved. (episodeOpenedAt is 0
 * until an episode opens: a series that has never alarmed is not held back.)
 */
function soonAfterAlarm(state: BaselineState, at: number, config: DetectorConfig): boolean {
  return (
    !state.episodeOpen &&
    state.episodeOpenedAt > 0 &&
    state.interval > 0 &&
    at - state.episodeOpenedAt < config.alarmSpacingSamples * state.interval
  );
}

/** The earlier alarms whose deviation reached `bar`. */
function comparableAlarms(deviations: readonly number[], bar: number): number {
  let count = 0;
  for (const d of deviations) if (d >= bar) count++;
  return count;
}

/** Appends an alarm's deviation (4 significant digits keep the state small), forgetting the oldest beyond ALARM_MEMORY. */
function rememberAlarm(deviations: number[], deviation: number): void {
  deviations.push(Number(deviation.toPrecision(4)));
  if (deviations.length > ALARM_MEMORY) deviations.shift();
}

/** A result with every field present, so results written field by field all share one shape. */
function emptyResult(): SampleResult {
  return {
    accepted: false,
    reason: undefined,
    zscore: 0,
    score: 0,
    severity: 'none',
    direction: 'above',
    expected: 0,
    std: 0,
    hint: '',
    warmingUp: true,
    episode: 'none',
    ongoing: false,
    episodeOpenedAt: null,
  };
}

function rejected(reason: string, state: BaselineState, out: SampleResult): SampleResult {
  out.accepted = false;
  out.reason = reason;
  out.zscore = 0;
  out.score = 0;
  out.severity = 'none';
  out.direction = 'above';
  out.expected = state.level;
  out.std = state.scale;
  out.hint = '';
  out.warmingUp = state.count === 0;
  out.episode = 'none';
  out.ongoing = false;
  out.episodeOpenedAt = null;
  return out;
}

export interface MetricsAnalysis {
  /** The input states with every accepted metric's baseline replaced by its updated copy. */
  states: Record<string, BaselineState>;
  /** Flagged metrics, highest score first. */
  anomalies: Anomaly[];
  results: Record<string, SampleResult>;
}

/**
 * One snapshot of a service's metrics at `at` (epoch ms) against their baselines: the analyze activity's step.
 * Pure: the input states are not modified. Rejected metrics keep their state and carry a reason in `results`.
 * Records are read with Object.hasOwn and built with Object.fromEntries, so a metric named "__proto__" is just a name.
 */
export function analyzeMetrics(
  states: Record<string, BaselineState | undefined>,
  metrics: Record<string, number>,
  at: number,
  detector: Detector = createDetector(),
): MetricsAnalysis {
  const nextStates = new Map<string, BaselineState>();
  for (const [metric, state] of Object.entries(states)) if (state) nextStates.set(metric, state);
  const anomalies: Anomaly[] = [];
  const results: [string, SampleResult][] = [];
  for (const [metric, value] of Object.entries(metrics)) {
    const previous = Object.hasOwn(states, metric) ? states[metric] : undefined;
    const { state, result } = detector.update(previous, metric, value, at);
    if (result.accepted) nextStates.set(metric, state);
    results.push([metric, result]);
    const anomaly = toAnomaly(metric, value, result);
    if (anomaly) anomalies.push(anomaly);
  }
  anomalies.sort((a, b) => b.score - a.score || Math.abs(b.zscore) - Math.abs(a.zscore));
  return { states: Object.fromEntries(nextStates), anomalies, results: Object.fromEntries(results) };
}
