// `selfheal detect`: backtests the detection engine (the same one the analyze activity uses) on a recorded series.
// Every input row gets an output row with a numeric score, in order; rows the engine cannot use score 0, with severity
// "invalid" and the reason. Rows of an episode that opened earlier are marked ongoing (they are not new alarms).
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createDetector, resolveDetectorConfig, type DetectorConfig, type SampleResult } from '../../domain/detection';
import { UsageError, type Command } from '../command';
import { csvField, LineWriter, readLines, splitCsvLine } from '../csv';
import { fileProgress, type Progress } from '../progress';
import { parseTimestamp } from '../timestamps';

const OUTPUT_HEADER = 'timestamp,value,anomaly_score,severity,ongoing,reason';
/** Skipped rows listed by line number in the summary; the rest are only counted. */
const LISTED_SKIPS = 10;

interface DetectOptions {
  input: string;
  output: string;
  metric: string;
  config: Partial<DetectorConfig>;
}

interface Summary {
  rows: number;
  episodes: number;
  medium: number;
  high: number;
  skipped: number;
  skips: string[];
}

export const detectCommand: Command = {
  name: 'detect',
  summary: 'backtest the anomaly detector on a CSV series (timestamp,value)',
  usage:
    'selfheal detect --input FILE.csv --output OUT.csv|- [--metric NAME] [--alpha 0.3] [--period SECONDS]\n' +
    '  --metric picks a column of a wide CSV (default "value"); --period 0 turns seasonality off (default 86400)',
  options: {
    input: { type: 'string' },
    output: { type: 'string' },
    metric: { type: 'string' },
    alpha: { type: 'string' },
    period: { type: 'string' },
  },
  async run(values) {
    const options = parseOptions(values);
    await checkReadable(options.input);
    const started = performance.now();
    const progress = fileProgress((await stat(options.input)).size);
    const summary = await backtest(options, progress).finally(() => progress?.done());
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(describe(summary, seconds) + '\n');
    return 0;
  },
};

function parseOptions(values: Record<string, unknown>): DetectOptions {
  const { input, output, metric, alpha, period } = values as Record<string, string | undefined>;
  if (!input) throw new UsageError('--input FILE is required');
  if (!output) throw new UsageError('--output FILE (or - for stdout) is required');
  if (output !== '-' && resolve(output) === resolve(input)) throw new UsageError('--output must not be the input file');
  const config: Partial<DetectorConfig> = {
    ...(alpha === undefined ? {} : configFlag('--alpha', { alpha: numberFlag('--alpha', alpha) })),
    ...(period === undefined ? {} : configFlag('--period', { seasonPeriodMs: numberFlag('--period', period) * 1000 })),
  };
  return { input, output, metric: metric ?? 'value', config };
}

function numberFlag(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${flag} must be a number, got "${text}"`);
  return value;
}

/** The overrides, once the engine accepts them (its RangeError becomes a usage error naming the flag). */
function configFlag(flag: string, overrides: Partial<DetectorConfig>): Partial<DetectorConfig> {
  try {
    resolveDetectorConfig(overrides);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
  return overrides;
}

async function checkReadable(path: string): Promise<void> {
  try {
    if (!(await stat(path)).isFile()) throw new Error(`input ${path} is not a file`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw code === 'ENOENT' ? new Error(`input file not found: ${path}`) : err;
  }
}

async function backtest(options: DetectOptions, progress: Progress | null): Promise<Summary> {
  const detector = createDetector(options.config);
  const state = detector.createState();
  const summary: Summary = { rows: 0, episodes: 0, medium: 0, high: 0, skipped: 0, skips: [] };
  let columns: { time: number; value: number } | null = null;
  let out: { stream: Writable; writer: LineWriter } | null = null;
  let result: SampleResult | undefined; // one result object, rewritten for every row
  for await (const { line, lineNumber } of readLines(options.input)) {
    progress?.advance(line.length + 1);
    if (line.trim() === '') continue; // blank lines are not rows
    const fields = splitCsvLine(line);
    if (!columns) {
      columns = findColumns(fields, options.metric);
      out = await openOutput(options.output);
      out.writer.add(OUTPUT_HEADER);
      continue;
    }
    summary.rows += 1;
    const timeText = (fields[columns.time] ?? '').trim();
    const valueText = (fields[columns.value] ?? '').trim();
    const at = parseTimestamp(timeText);
    const value = parseValue(valueText);
    let reason = at === null ? 'invalid timestamp' : typeof value === 'string' ? value : null;
    let cells = '';
    if (reason === null) {
      result = detector.observe(state, options.metric, value as number, at as number, result);
      if (result.accepted) {
        cells = `${result.score === 0 ? '0' : result.score.toFixed(6)},${result.severity},${result.ongoing},`;
        if (result.severity !== 'none') summary[result.severity] += 1;
        if (result.episode === 'opened') summary.episodes += 1;
      } else reason = result.reason ?? 'rejected';
    }
    if (reason !== null) {
      cells = `0,invalid,false,${csvField(reason)}`;
      summary.skipped += 1;
      if (summary.skips.length < LISTED_SKIPS) summary.skips.push(`line ${lineNumber}: ${reason}`);
    }
    if (out!.writer.add(`${csvField(timeText)},${csvField(valueText)},${cells}`)) await out!.writer.flush();
  }
  if (!out) throw new Error(`input ${options.input} is empty: expected a header such as "timestamp,value"`);
  await out.writer.flush();
  if (out.stream !== process.stdout) {
    out.stream.end();
    await finished(out.stream);
  }
  return summary;
}

function findColumns(header: string[], metric: string): { time: number; value: number } {
  const names = header.map((name) => name.trim().toLowerCase());
  const time = names.indexOf('timestamp');
  if (time < 0) throw new Error(`the header has no "timestamp" column: ${header.join(',')}`);
  const value = names.indexOf(metric.toLowerCase());
  if (value < 0) {
    throw new UsageError(`the header has no "${metric}" column (pick one with --metric): ${header.join(',')}`);
  }
  return { time, value };
}

/** The number in a value cell, or why there is none (NaN and Infinity literals go on to the engine's checks). */
function parseValue(text: string): number | string {
  if (text === '') return 'empty value';
  const value = Number(text);
  return Number.isNaN(value) && text !== 'NaN' ? 'not a number' : value;
}

async function openOutput(path: string): Promise<{ stream: Writable; writer: LineWriter }> {
  if (path === '-') return { stream: process.stdout, writer: new LineWriter(process.stdout) };
  const stream = createWriteStream(path);
  await once(stream, 'open'); // rejects with the open error (missing folder, no permission)
  return { stream, writer: new LineWriter(stream) };
}

function describe(summary: Summary, seconds: number): string {
  const rate = seconds > 0 ? Math.round(summary.rows / seconds).toLocaleString('en-US') : '-';
  const more = summary.skipped > summary.skips.length ? '; ...' : '';
  const where = summary.skipped > 0 ? ` (${summary.skips.join('; ')}${more})` : '';
  return [
    `selfheal detect: ${summary.rows} rows in ${seconds.toFixed(2)} s (${rate} rows/s)`,
    `  anomalies: ${summary.medium + summary.high} (medium ${summary.medium}, high ${summary.high})`,
    `  episodes opened: ${summary.episodes}`,
    `  skipped: ${summary.skipped} rows${where}`,
  ].join('\n');
}
