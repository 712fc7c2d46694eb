// The per-series baseline: a flat, JSON-able record (persisted as-is by the service) that the engine updates in place.
import type { DetectorConfig } from './config';
import { RECURRING_SLOTS } from './recurring';
import { GAUSSIAN_TAIL_QUANTILE } from './residual-model';

/** How many of a series' latest alarms the alarm ranking remembers (bounds the state: at most about 390 bytes of JSON). */
export const ALARM_MEMORY = 32;

export interface BaselineState {
  version: 2;
  /** Accepted samples so far. */
  count: number;
  /** Epoch ms of the first and the last accepted sample (null before the first). */
  firstAt: number | null;
  lastAt: number | null;
  /** Typical sampling interval in ms (0 until two samples); elapsed time is measured in these steps. */
  interval: number;
  /** Holt level (deseasonalised) and trend (change per interval). */
  level: number;
  trend: number;
  /** Robust sigma of one-step residuals (EWMA of clipped absolute residuals, Gaussian-consistent). */
  scale: number;
  /** Last clipped deviation from level + trend + season, and the EWMAs whose ratio is its lag-1 autocorrelation. */
  lastResidual: number;
  lagProduct: number;
  lagSquare: number;
  /** Long-memory EWMA of the level and of its absolute deviation from it (excursion detection). */
  longLevel: number;
  longSpread: number;
  /** Tracked 98th percentile of |z| (tail calibration; 2.326 for Gaussian residuals). */
  tailQuantile: number;
  /** One-sided CUSUMs of standardised residuals: recent cumulative evidence above and below. */
  cusumAbove: number;
  cusumBelow: number;
  /** Consecutive outliers on one side: +n above, -n below; their deseasonalised sum (level-shift detection). */
  outlierRun: number;
  outlierRunSum: number;
  /** Additive seasonal profile over config.seasonPeriodMs ([] when seasonality is off). */
  season: number[];
  /** The profile proved significant and is part of the forecast. */
  seasonActive: boolean;
  /** Anomaly likelihood: short EWMA of per-sample surprise, long-run EWMAs of it and its square, samples folded in. */
  surpriseShort: number;
  surpriseMean: number;
  surpriseSquare: number;
  likelihoodCount: number;
  /** The open episode: whether one is open and when it opened (epoch ms; a number even when none is open, so the hot
   *  path never turns a numeric field into a pointer), samples since, calm samples in a row, the level when it
   *  opened, and the harmful level shift confirmed since (0: none). */
  episodeOpen: boolean;
  episodeOpenedAt: number;
  episodeSamples: number;
  episodeQuiet: number;
  episodeReference: number;
  episodeShift: number;
  /** The strongest evidence of the open episode so far (evidence far beyond it opens a new episode). */
  episodePeak: number;
  /** The largest deviation (|value - forecast|, in the metric's units) of a row that opened an episode; 0 before. */
  alarmPeakDeviation: number;
  /** The deviations (as alarmPeakDeviation's, 4 significant digits) of the rows that opened the series' last
   *  ALARM_MEMORY episodes, oldest first: the alarm ranking counts the earlier alarms about as large as a new one. */
  alarmDeviations: number[];
  /** Recurring surprise (recurring.ts): the day (epoch days) `surpriseToday` is for, and per slot of the day the
   *  largest surprise of today, yesterday and the day before. */
  recurringDay: number;
  surpriseToday: number[];
  surpriseYesterday: number[];
  surpriseDayBefore: number[];
}

/** A baseline with no samples. */
export function createBaselineState(config: Pick<DetectorConfig, 'seasonPeriodMs' | 'seasonBuckets'>): BaselineState {
  return {
    version: 2,
    count: 0,
    firstAt: null,
    lastAt: null,
    interval: 0,
    level: 0,
    trend: 0,
    scale: 0,
    lastResidual: 0,
    lagProduct: 0,
    lagSquare: 0,
    tailQuantile: GAUSSIAN_TAIL_QUANTILE,
    longLevel: 0,
    longSpread: 0,
    cusumAbove: 0,
    cusumBelow: 0,
    outlierRun: 0,
    outlierRunSum: 0,
    season: new Array<number>(config.seasonPeriodMs > 0 ? config.seasonBuckets : 0).fill(0),
    seasonActive: false,
    surpriseShort: 0,
    surpriseMean: 0,
    surpriseSquare: 0,
    likelihoodCount: 0,
    episodeOpen: false,
    episodeOpenedAt: 0,
    episodeSamples: 0,
    episodeQuiet: 0,
    episodeReference: 0,
    episodeShift: 0,
    episodePeak: 0,
    alarmPeakDeviation: 0,
    alarmDeviations: [],
    recurringDay: 0,
    surpriseToday: new Array<number>(RECURRING_SLOTS).fill(0),
    surpriseYesterday: new Array<number>(RECURRING_SLOTS).fill(0),
    surpriseDayBefore: new Array<number>(RECURRING_SLOTS).fill(0),
  };
}

export function cloneBaselineState(state: BaselineState): BaselineState {
  return {
    ...state,
    season: state.season.slice(),
    surpriseToday: state.surpriseToday.slice(),
    surpriseYesterday: state.surpriseYesterday.slice(),
    surpriseDayBefore: state.surpriseDayBefore.slice(),
    alarmDeviations: state.alarmDeviations.slice(),
  };
}

const NUMBER_FIELDS = ['count', 'interval', 'level', 'trend', 'scale', 'lastResidual', 'lagProduct', 'lagSquare',
  'tailQuantile', 'longLevel', 'longSpread', 'cusumAbove', 'cusumBelow', 'outlierRun', 'outlierRunSum', 'surpriseShort',
  'surpriseMean', 'surpriseSquare', 'likelihoodCount', 'episodeOpenedAt', 'episodeSamples', 'episodeQuiet', 'episodeReference',
  'episodeShift', 'episodePeak', 'recurringDay'] as const;
const DAILY_FIELDS = ['surpriseToday', 'surpriseYesterday', 'surpriseDayBefore'] as const;

/**
 * A stored baseline checked field by field (e.g. read back from Neo4j); null when it is not a valid one, so a
 * corrupt record, or one from an older engine version, starts a fresh baseline instead of poisoning the detector.
 */
export function parseBaselineState(value: unknown): BaselineState | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.version !== 2 || typeof v.seasonActive !== 'boolean' || !Array.isArray(v.season)) return null;
  const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  const timeOrNull = (x: unknown) => x === null || finite(x);
  if (!NUMBER_FIELDS.every((key) => finite(v[key])) || !v.season.every(finite)) return null;
  const daily = (x: unknown): x is number[] => Array.isArray(x) && x.length === RECURRING_SLOTS && x.every(finite);
  if (!DAILY_FIELDS.every((key) => daily(v[key]))) return null;
  if (!timeOrNull(v.firstAt) || !timeOrNull(v.lastAt) || typeof v.episodeOpen !== 'boolean' || (v.count as number) < 0 || (v.scale as number) < 0) return null;
  const state = createBaselineState({ seasonPeriodMs: 0, seasonBuckets: 0 });
  for (const key of NUMBER_FIELDS) state[key] = v[key] as number;
  state.firstAt = v.firstAt as number | null;
  state.lastAt = v.lastAt as number | null;
  state.episodeOpen = v.episodeOpen;
  state.season = (v.season as number[]).slice();
  for (const key of DAILY_FIELDS) state[key] = (v[key] as number[]).slice();
  state.seasonActive = v.seasonActive;
  // Added within version 2: a record written before it has seen no alarm peak yet.
  state.alarmPeakDeviation = finite(v.alarmPeakDeviation) && v.alarmPeakDeviation >= 0 ? v.alarmPeakDeviation : 0;
  const deviations = v.alarmDeviations;
  const deviationsValid = Array.isArray(deviations) && deviations.length <= ALARM_MEMORY && deviations.every((d) => finite(d) && d >= 0);
  state.alarmDeviations = deviationsValid ? deviations.slice() : [];
  return state;
}
