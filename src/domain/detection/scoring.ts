// From evidence (in sigmas) to what people and the diagnosis read: a score in [0, 1], a severity, a hint.
import type { Anomaly, SampleSeverity } from '../types';
import type { DetectorConfig } from './config';
import type { EpisodePhase } from './episode';

/** What the detector says about one sample. */
export interface SampleResult {
  /** False when the sample was rejected (see reason); the baseline was not touched. */
  accepted: boolean;
  reason?: string | undefined;
  /** Standardised residual: (value - expected) / std. */
  zscore: number;
  /**
   * Anomaly score in [0, 1): the strength of evidence that this sample starts a new episode (0.5 at mediumZ sigmas of
   * evidence, never saturating); rows of an ongoing episode score low.
   */
  score: number;
  /** Where this sample leaves the series' episode: 'opened' on the first alarming sample, then 'ongoing', 'resolved'. */
  episode: EpisodePhase;
  /** The sample belongs to an episode opened earlier (it is not a new alarm). */
  ongoing: boolean;
  /** When the episode this sample belongs to opened (epoch ms), or null. */
  episodeOpenedAt: number | null;
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

/**
 * r²/(1+r²) with r = evidence/mediumZ: 0 for no evidence, 0.5 at mediumZ, 0.69 at 3 sigmas, 0.96 at 10; it approaches
 * 1 without reaching it for any evidence a detector meets, so strong alarms still rank among themselves.
 */
export function anomalyScore(evidence: number, mediumZ: number): number {
  if (!(evidence > 0)) return 0;
  const ratio = Math.min(evidence / mediumZ, 1e6);
  return (ratio * ratio) / (1 + ratio * ratio);
}

/**
 * Spread, in sigmas of ranked evidence, of the logistic that maps an alarm into the alarm band: wide enough that alarms
 * ranked tens of sigmas down (a series' tenth alarm of a size) still differ in the 6 decimals `selfheal detect` writes.
 */
const ALARM_BAND_SPREAD = 32;

/**
 * The score of a row that would start an episode: in [anomalyScore(episodeOpenZ), 1), so above every row that would
 * not, and ranked by its evidence less alarmPeakWeight sigmas per e-fold its deviation falls short of the largest
 * deviation that opened an earlier episode of the series (a burst smaller than one the series has already shown is
 * weaker evidence of a new incident), and less alarmCountWeight sigmas per e-fold of 1 + `earlierAlarms`, the series'
 * earlier alarms about as large (a series that has often alarmed this large is a noisy one: one more such alarm is
 * weaker evidence). `deviation` and `peakDeviation` are in the metric's units; peak 0 = none yet.
 */
export function alarmScore(
  evidence: number,
  deviation: number,
  peakDeviation: number,
  earlierAlarms: number,
  config: Pick<DetectorConfig, 'mediumZ' | 'episodeOpenZ' | 'alarmPeakWeight' | 'alarmCountWeight'>,
): number {
  const shortfall = peakDeviation > 0 && deviation < peakDeviation ? Math.max(Math.log(deviation / peakDeviation), -1000) : 0;
  const ranked = evidence + config.alarmPeakWeight * shortfall - config.alarmCountWeight * Math.log1p(earlierAlarms) - config.episodeOpenZ;
  const floor = anomalyScore(config.episodeOpenZ, config.mediumZ);
  return floor + (1 - floor) / (1 + Math.exp(-ranked / ALARM_BAND_SPREAD));
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

/** "error_rate level 0.1 is still above 0.0101, its level when the episode opened": a sustained harmful shift. */
export function formatHeldHint(metric: string, level: number, reference: number, direction: 'above' | 'below'): string {
  return `${metric} level ${readable(level)} is still ${direction} ${readable(reference)}, its level when the episode opened`;
}

function readable(x: number): string {
  return String(Number(x.toPrecision(3)));
}

/**
 * The Anomaly for a flagged sample or a sample of an open episode (the shape the diagnosis and the API use), or null
 * when there is neither.
 */
export function toAnomaly(metric: string, value: number, result: SampleResult): Anomaly | null {
  if (!result.accepted || result.severity === 'none') return null;
  const inEpisode = result.episodeOpenedAt !== null && (result.episode === 'opened' || result.episode === 'ongoing');
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
    ...(inEpisode ? { episode: result.episode as 'opened' | 'ongoing', episode_opened_at: new Date(result.episodeOpenedAt!).toISOString() } : {}),
  };
}
