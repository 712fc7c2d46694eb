// Prometheus text exposition format (version 0.0.4) to the watch's analysis series. Pure: the adapter fetches the
// text (src/adapters/prometheus-scrape.ts). Gauges and untyped samples are analysed as they are; counters as their
// per-second rate between two scrapes; a histogram or summary as its mean observation (Δsum/Δcount) and its
// observation rate (Δcount/s), plus a summary's quantiles as gauges; histogram buckets are dropped (one series per
// bucket would multiply the series and each means little alone). NaN and ±Inf are no value, never an anomaly.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** `# TYPE` lines, by family name. */
  types: Record<string, MetricType>;
  samples: PromSample[];
}

export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'ExpositionError';
  }
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES: readonly string[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

/** Parses the whole text; throws ExpositionError naming the first line it cannot read. */
export function parseExposition(text: string): Exposition {
  const types: Record<string, MetricType> = {};
  const samples: PromSample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*TYPE\s+(\S+)\s+(\S+)\s*$/.exec(line);
      if (m) {
        if (!TYPES.includes(m[2]!)) throw new ExpositionError(i + 1, `unknown metric type "${m[2]}"`);
        types[m[1]!] = m[2] as MetricType;
      }
      // HELP and any other comment carry nothing the watch analyses.
      continue;
    }
    samples.push(sampleLine(line, i + 1));
  }
  return { types, samples };
}

function sampleLine(line: string, at: number): PromSample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new ExpositionError(at, 'expected a metric name');
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    for (;;) {
      rest = rest.trimStart();
      if (rest.startsWith('}')) break;
      const key = LABEL_NAME.exec(rest)?.[0];
      if (!key) throw new ExpositionError(at, 'expected a label name');
      rest = rest.slice(key.length).trimStart();
      if (!rest.startsWith('="')) throw new ExpositionError(at, `expected ="…" after label ${key}`);
      const { value, end } = quoted(rest, 2, at);
      labels[key] = value;
      rest = rest.slice(end).trimStart();
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) throw new ExpositionError(at, 'expected , or } between labels');
    }
    rest = rest.slice(1);
  }
  const fields = rest.trim().split(/\s+/);
  if (fields.length < 1 || fields.length > 2 || fields[0] === '') throw new ExpositionError(at, 'expected a value and at most a timestamp');
  const value = numberOf(fields[0]!);
  if (value === null) throw new ExpositionError(at, `"${fields[0]}" is not a number`);
  if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) throw new ExpositionError(at, `"${fields[1]}" is not a timestamp`);
  return { name, labels, value };
}

/** A label value from just after its opening quote: backslash escapes \\, \" and \n. */
function quoted(text: string, from: number, at: number): { value: string; end: number } {
  let value = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return { value, end: i + 1 };
    if (c === '\\') {
      const next = text[++i];
      value += next === 'n' ? '\n' : (next ?? '');
    } else value += c;
  }
  throw new ExpositionError(at, 'unterminated label value');
}

function numberOf(text: string): number | null {
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
  }
  const n = Number(text);
  return text.trim() !== '' && !Number.isNaN(n) ? n : null;
}

/** Cumulative values of one target at its previous scrape (counters, and histogram/summary sums and counts). */
export interface ScrapeMemory {
  at: number;
  values: Record<string, number>;
}

export interface ScrapeSeries {
  metrics: Record<string, number>;
  memory: ScrapeMemory;
}

/**
 * The analysis series of one scrape at `at` (ms), given the previous scrape's memory. `families` keeps only those
 * metric families (all when absent). A rate needs a previous scrape, and a counter that went down (a restart of the
 * target) gives no rate this time.
 */
export function scrapeSeries(exposition: Exposition, at: number, before: ScrapeMemory | undefined, families?: readonly string[]): ScrapeSeries {
  const metrics: Record<string, number> = {};
  const values: Record<string, number> = {};
  const seconds = before ? (at - before.at) / 1000 : 0;
  const rate = (key: string, now: number): number | null => {
    values[key] = now;
    const then = before?.values[key];
    if (then === undefined || seconds <= 0 || now < then) return null;
    return (now - then) / seconds;
  };
  const put = (name: string, value: number | null) => {
    if (value !== null && Number.isFinite(value)) metrics[name] = value;
  };
  // Sum and count of each histogram/summary series, joined once both are read.
  const pairs = new Map<string, { sum?: number; count?: number; series: string }>();
  for (const s of exposition.samples) {
    const { family, type, part } = familyOf(s.name, exposition.types);
    if (families && !families.includes(family)) continue;
    if (!Number.isFinite(s.value)) continue;
    if (type === 'histogram' || type === 'summary') {
      if (part === 'bucket') continue;
      if (part === 'sum' || part === 'count') {
        const series = seriesName(family, s.labels);
        const pair = pairs.get(series) ?? { series };
        pair[part] = s.value;
        pairs.set(series, pair);
        continue;
      }
      // A summary's quantile is a gauge.
      put(seriesName(family, s.labels), s.value);
    } else if (type === 'counter') {
      put(seriesName(s.name, s.labels), rate(seriesName(s.name, s.labels), s.value));
    } else {
      put(seriesName(s.name, s.labels), s.value);
    }
  }
  for (const { series, sum, count } of pairs.values()) {
    if (sum === undefined || count === undefined) continue;
    const thenSum = before?.values[`${series}:sum`];
    const thenCount = before?.values[`${series}:count`];
    values[`${series}:sum`] = sum;
    values[`${series}:count`] = count;
    put(`${series}:rate`, rate(`${series}:count`, count));
    if (thenSum !== undefined && thenCount !== undefined && count > thenCount && sum >= thenSum) put(`${series}:mean`, (sum - thenSum) / (count - thenCount));
  }
  return { metrics, memory: { at, values } };
}

function familyOf(name: string, types: Record<string, MetricType>): { family: string; type: MetricType; part: 'bucket' | 'sum' | 'count' | null } {
  const own = types[name];
  if (own) return { family: name, type: own, part: null };
  for (const part of ['bucket', 'sum', 'count'] as const) {
    if (!name.endsWith(`_${part}`)) continue;
    const family = name.slice(0, -(part.length + 1));
    const type = types[family];
    if (type === 'histogram' || type === 'summary') return { family, type, part };
  }
  return { family: name, type: 'untyped', part: null };
}

const MAX_NAME = 128;

/**
 * `family` or `family.<label>-<value>...` (labels sorted), within the analysis's metric names (letters, digits,
 * `_ . : -`, at most 128): other characters become `_`, and a longer name ends in a hash of the whole.
 */
export function seriesName(family: string, labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `.${k}-${labels[k]!.replace(/[^A-Za-z0-9_:-]/g, '_')}`);
  const name = `${family}${parts.join('')}`;
  return name.length <= MAX_NAME ? name : `${name.slice(0, MAX_NAME - 9)}:${fnv1a(name)}`;
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
