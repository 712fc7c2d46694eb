// NAB v1.1 scoring, the project's own implementation: how `selfheal evaluate` judges the detector on a labelled corpus.
// Rules: the first min(15% of the rows, 750) rows of a file are probation (not scored); a detection is a row whose
// score reaches the threshold; only the earliest detection in a window counts, worth more the earlier it is (scaled
// sigmoid of its position); a detection outside every window costs, less if it closely follows a window; a missed
// window costs fnWeight. One threshold per profile for the whole corpus, the one that maximises the raw score; the
// raw score is normalised so that the null detector (constant 0.5) scores 0 and a perfect one 100. Pure.

export interface NabProfile {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

export const NAB_PROFILES = {
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
} as const satisfies Record<string, NabProfile>;

export type NabProfileName = keyof typeof NAB_PROFILES;
export const NAB_PROFILE_NAMES = Object.keys(NAB_PROFILES) as NabProfileName[];

/** Threshold reported when the best choice is to detect nothing (NAB's convention). */
export const NOTHING_THRESHOLD = 1.1;
const NULL_DETECTOR_SCORE = 0.5;
const PROBATION_SHARE = 0.15;
const PROBATION_ROW_CAP = 5000;

/** NAB's scaled sigmoid 2/(1+e^(5x)) - 1, and -1 beyond x = 3. */
export function scaledSigmoid(x: number): number {
  return x > 3 ? -1 : 2 / (1 + Math.exp(5 * x)) - 1;
}
const MAX_TP = scaledSigmoid(-1);

/** Rows at the start of a file of `rows` rows that are not scored. */
export function probationRows(rows: number): number {
  return Math.ceil(Math.min(Math.floor(PROBATION_SHARE * rows), PROBATION_SHARE * PROBATION_ROW_CAP));
}

/** One labelled file: its timestamps (epoch ms, one per row) and its windows as [start, end] timestamps. */
export interface LabelledSeries {
  name: string;
  timestamps: readonly number[];
  windows: readonly (readonly [number, number])[];
}

/** A labelled file with its windows resolved to row indices and each scored row's unweighted value. */
export interface ResolvedSeries {
  name: string;
  rows: number;
  firstScored: number;
  bounds: [number, number][];
  /** Per scored row: the scaled-sigmoid value (positive inside a window, negative outside). */
  unweighted: Float64Array;
  /** Per scored row: the window index within the file, or -1. */
  window: Int32Array;
}

/** Thrown for a corpus whose labels do not fit its data. */
export class CorpusError extends Error {
  override name = 'CorpusError';
}

/**
 * Maps windows to rows as NAB does: a window starts at the first row (after the previous window) whose timestamp
 * equals its start and ends at the first row from there whose timestamp equals its end.
 */
export function resolveSeries(series: LabelledSeries): ResolvedSeries {
  const n = series.timestamps.length;
  const sorted = [...series.windows].sort((a, b) => a[0] - b[0]);
  const bounds: [number, number][] = [];
  let cursor = 0;
  for (const [start, end] of sorted) {
    let left = cursor;
    while (left < n && series.timestamps[left] !== start) left++;
    if (left === n) throw new CorpusError(`${series.name}: window start ${iso(start)} is not a timestamp of the data (or windows overlap)`);
    let right = left;
    while (right < n && series.timestamps[right] !== end) right++;
    if (right === n) throw new CorpusError(`${series.name}: window end ${iso(end)} is not a timestamp of the data after its start`);
    bounds.push([left, right]);
    cursor = right + 1;
  }
  const all = new Float64Array(n).fill(-1);
  const window = new Int32Array(n).fill(-1);
  bounds.forEach(([left, right], k) => {
    const width = right - left + 1;
    for (let i = left; i <= right; i++) {
      all[i] = scaledSigmoid(-(right - i + 1) / width);
      window[i] = k;
    }
    const next = k + 1 < bounds.length ? bounds[k + 1]![0] : n;
    // A one-row window would divide by zero in NAB; rows after it count as far away.
    for (let i = right + 1; i < next; i++) all[i] = width > 1 ? scaledSigmoid((i - right) / (width - 1)) : -1;
  });
  const firstScored = probationRows(n);
  return { name: series.name, rows: n, firstScored, bounds, unweighted: all.slice(firstScored), window: window.slice(firstScored) };
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

export interface FileScore {
  file: string;
  score: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** Windows found (earliest detection) and missed. */
  detectedWindows: number;
  missedWindows: number;
}

export interface ProfileScore {
  /** Normalised: null detector 0, perfect 100. */
  score: number;
  threshold: number;
  raw: number;
  nullRaw: number;
  perfectRaw: number;
  files: FileScore[];
}

export type NabReport = Record<NabProfileName, ProfileScore> & { windows: number };

/** Scores `scores` (one array per series, aligned with its rows) on every profile, each at its best threshold. */
export function scoreCorpus(series: readonly ResolvedSeries[], scores: readonly ArrayLike<number>[]): NabReport {
  const flat = flatten(series, scores);
  const windows = series.reduce((sum, s) => sum + s.bounds.length, 0);
  const report = { windows } as NabReport;
  for (const name of NAB_PROFILE_NAMES) {
    const profile = NAB_PROFILES[name];
    const best = bestThreshold(flat, profile);
    const files = series.map((s, f) => scoreFile(s, scores[f]!, profile, best.threshold, best.nothing));
    const raw = files.reduce((sum, file) => sum + file.score, 0);
    const nullRaw = bestThreshold({ ...flat, score: new Float64Array(flat.score.length).fill(NULL_DETECTOR_SCORE) }, profile).raw;
    const perfectRaw = profile.tpWeight * windows;
    report[name] = { score: (100 * (raw - nullRaw)) / (perfectRaw - nullRaw), threshold: best.threshold, raw, nullRaw, perfectRaw, files };
  }
  return report;
}

interface FlatCorpus {
  score: Float64Array;
  unweighted: Float64Array;
  /** Window id over the whole corpus, or -1. */
  window: Int32Array;
  scorableWindows: number;
}

function flatten(series: readonly ResolvedSeries[], scores: readonly ArrayLike<number>[]): FlatCorpus {
  const total = series.reduce((sum, s) => sum + s.unweighted.length, 0);
  const flat: FlatCorpus = { score: new Float64Array(total), unweighted: new Float64Array(total), window: new Int32Array(total), scorableWindows: 0 };
  let at = 0;
  let windowOffset = 0;
  series.forEach((s, f) => {
    const own = scores[f]!;
    if (own.length !== s.rows) throw new CorpusError(`${s.name}: ${own.length} scores for ${s.rows} rows`);
    const present = new Set<number>();
    for (let i = 0; i < s.unweighted.length; i++) {
      flat.score[at] = own[s.firstScored + i]!;
      flat.unweighted[at] = s.unweighted[i]!;
      const w = s.window[i]!;
      flat.window[at] = w < 0 ? -1 : w + windowOffset;
      if (w >= 0) present.add(w);
      at++;
    }
    flat.scorableWindows += present.size;
    windowOffset += s.bounds.length;
  });
  return flat;
}

function weighted(unweighted: number, inWindow: boolean, profile: NabProfile): number {
  return inWindow ? (unweighted * profile.tpWeight) / MAX_TP : unweighted * profile.fpWeight;
}

/**
 * Sweeps every distinct score as the threshold, highest first: lowering it past a row adds that row's cost outside a
 * window, or inside one the gain of its window's best detection. Ties go to the highest threshold, as in NAB.
 */
function bestThreshold(flat: FlatCorpus, profile: NabProfile): { threshold: number; raw: number; nothing: boolean } {
  const n = flat.score.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => flat.score[b]! - flat.score[a]! || a - b);
  const windowBest = new Map<number, number>();
  const base = -profile.fnWeight * flat.scorableWindows;
  let raw = base;
  let best = { threshold: NOTHING_THRESHOLD, raw: base, nothing: true };
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const w = flat.window[i]!;
    const value = weighted(flat.unweighted[i]!, w >= 0, profile);
    if (w < 0) raw += value;
    else {
      const before = windowBest.get(w) ?? -profile.fnWeight;
      if (value > before) {
        raw += value - before;
        windowBest.set(w, value);
      }
    }
    const threshold = flat.score[i]!;
    const lastOfValue = k + 1 === n || flat.score[order[k + 1]!] !== threshold;
    if (lastOfValue && raw > best.raw) best = { threshold, raw, nothing: false };
  }
  return best;
}

function scoreFile(s: ResolvedSeries, scores: ArrayLike<number>, profile: NabProfile, threshold: number, nothing: boolean): FileScore {
  const file: FileScore = { file: s.name, score: 0, tp: 0, fp: 0, fn: 0, tn: 0, detectedWindows: 0, missedWindows: 0 };
  const windowBest = new Map<number, number>();
  const present = new Set<number>();
  for (let i = 0; i < s.unweighted.length; i++) {
    const w = s.window[i]!;
    const detected = !nothing && scores[s.firstScored + i]! >= threshold;
    if (w >= 0) present.add(w);
    if (detected && w >= 0) file.tp++;
    else if (detected) file.fp++;
    else if (w >= 0) file.fn++;
    else file.tn++;
    if (!detected) continue;
    const value = weighted(s.unweighted[i]!, w >= 0, profile);
    if (w < 0) file.score += value;
    else windowBest.set(w, Math.max(windowBest.get(w) ?? -Infinity, value));
  }
  for (const w of present) {
    const found = windowBest.get(w);
    file.score += found ?? -profile.fnWeight;
    if (found === undefined) file.missedWindows++;
    else file.detectedWindows++;
  }
  return file;
}
