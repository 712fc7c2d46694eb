// `selfheal evaluate`: runs the detection engine over a labelled corpus in NAB layout and scores it with the project's
// own NAB scoring (src/domain/evaluation), so operators can check a detector configuration on their own incidents.
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createDetector, resolveDetectorConfig, type DetectorConfig } from '../../domain/detection';
import { CorpusError, NAB_PROFILE_NAMES, resolveSeries, scoreCorpus, scoreSeries, type NabReport, type ResolvedSeries } from '../../domain/evaluation';
import { UsageError, type Command } from '../command';
import { readLines, splitCsvLine } from '../csv';
import { readJsonObject } from '../json-file';
import { num, printJson, printLines, table } from '../output';
import { fileProgress, type Progress } from '../progress';
import { parseTimestamp } from '../timestamps';

/** The metric name the corpus series are judged as: no known kind, so both directions matter and no prior applies. */
const CORPUS_METRIC = 'value';

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'score the anomaly detector on a labelled corpus (NAB layout and scoring)',
  usage:
    'selfheal evaluate --corpus DIR [--labels FILE] [--config FILE] [--json]\n' +
    '  DIR holds data/<category>/<file>.csv (timestamp,value) and labels/combined_windows.json\n' +
    '  ({"<category>/<file>.csv": [[start, end], ...]}); --labels picks another windows file (its files are scored);\n' +
    '  --config is a JSON object of detector settings over the defaults',
  options: {
    corpus: { type: 'string' },
    labels: { type: 'string' },
    config: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values) {
    const { corpus, labels, config, json } = values as { corpus?: string; labels?: string; config?: string; json?: boolean };
    if (!corpus) throw new UsageError('--corpus DIR is required');
    const dataDir = existsSync(join(corpus, 'data')) ? join(corpus, 'data') : corpus;
    const labelsPath = labels ?? join(corpus, 'labels', 'combined_windows.json');
    if (!existsSync(labelsPath)) throw new CorpusError(`no labels file: ${labelsPath} (give one with --labels)`);
    const windows = parseLabels(await readJsonObject('--labels', labelsPath), labelsPath);
    const overrides = config ? await readJsonObject('--config', config) : {};
    let detectorConfig: DetectorConfig;
    try {
      detectorConfig = resolveDetectorConfig(overrides as Partial<DetectorConfig>);
    } catch (err) {
      throw new UsageError(`--config: ${(err as Error).message}`);
    }
    const names = Object.keys(windows).sort();
    if (names.length === 0) throw new CorpusError(`${labelsPath} lists no files`);
    await reportUnlabelled(dataDir, new Set(names));
    const sizes = await Promise.all(names.map((name) => fileSize(join(dataDir, name), name)));
    const progress = fileProgress(sizes.reduce((a, b) => a + b, 0));
    const detector = createDetector(detectorConfig);
    const resolved: ResolvedSeries[] = [];
    const scores: Float64Array[] = [];
    try {
      for (const name of names) {
        const series = await readSeries(join(dataDir, name), name, progress);
        resolved.push(resolveSeries({ name, timestamps: series.timestamps, windows: windows[name]! }));
        scores.push(scoreSeries(detector, CORPUS_METRIC, series.timestamps, series.values));
      }
    } finally {
      progress?.done();
    }
    const report = scoreCorpus(resolved, scores);
    if (json) printJson(report);
    else printLines(describe(report, resolved));
    return 0;
  },
};

function parseLabels(raw: Record<string, unknown>, path: string): Record<string, [number, number][]> {
  const out: Record<string, [number, number][]> = {};
  for (const [name, list] of Object.entries(raw)) {
    if (!Array.isArray(list)) throw new CorpusError(`${path}: the windows of ${name} must be a list of [start, end]`);
    out[name] = list.map((pair: unknown) => {
      const bad = () => new CorpusError(`${path}: ${name}: a window must be [start, end] timestamps, got ${JSON.stringify(pair)}`);
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') throw bad();
      const start = parseTimestamp(pair[0]);
      const end = parseTimestamp(pair[1]);
      if (start === null || end === null || end < start) throw bad();
      return [start, end];
    });
  }
  return out;
}

async function fileSize(path: string, name: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    throw new CorpusError(`${name} is labelled but ${path} does not exist`);
  }
}

/** Data files with no labels are not scored; say so, as silently skipping them would mislead. */
async function reportUnlabelled(dataDir: string, labelled: Set<string>): Promise<void> {
  const entries = await readdir(dataDir, { recursive: true }).catch(() => {
    throw new CorpusError(`no data folder: ${dataDir}`);
  });
  const unlabelled = entries.filter((e) => e.endsWith('.csv') && !labelled.has(e.split('\\').join('/')));
  if (unlabelled.length > 0) process.stderr.write(`selfheal evaluate: ${unlabelled.length} data files have no labels and are not scored\n`);
}

/** A whole series (evaluation needs every row's score before it can choose thresholds); a bad row is fatal. */
async function readSeries(path: string, name: string, progress: Progress | null): Promise<{ timestamps: number[]; values: number[] }> {
  const timestamps: number[] = [];
  const values: number[] = [];
  let columns: { time: number; value: number } | null = null;
  for await (const { line, lineNumber } of readLines(path)) {
    progress?.advance(line.length + 1);
    if (line.trim() === '') continue;
    const fields = splitCsvLine(line);
    if (!columns) {
      const header = fields.map((f) => f.trim().toLowerCase());
      columns = { time: header.indexOf('timestamp'), value: header.indexOf('value') };
      if (columns.time < 0 || columns.value < 0) throw new CorpusError(`${name}: the header must have "timestamp" and "value" columns: ${line}`);
      continue;
    }
    const at = parseTimestamp(fields[columns.time] ?? '');
    const valueText = (fields[columns.value] ?? '').trim();
    const value = Number(valueText);
    if (at === null) throw new CorpusError(`${name} line ${lineNumber}: unparsable timestamp "${fields[columns.time] ?? ''}"`);
    if (valueText === '' || !Number.isFinite(value)) throw new CorpusError(`${name} line ${lineNumber}: unparsable value "${valueText}"`);
    timestamps.push(at);
    values.push(value);
  }
  if (!columns) throw new CorpusError(`${name}: empty file`);
  return { timestamps, values };
}

function describe(report: NabReport, series: ResolvedSeries[]): string[] {
  const standard = report.standard;
  const rows = series.map((s, i) => {
    const cells = NAB_PROFILE_NAMES.map((p) => report[p].files[i]!.score.toFixed(2));
    const file = standard.files[i]!;
    return [s.name, String(s.rows), `${file.detectedWindows}/${s.bounds.length}`, String(file.fp), ...cells];
  });
  return [
    ...table(['file', 'rows', 'found', 'fp', 'standard', 'low FP', 'low FN'], rows),
    '',
    `${report.windows} windows; raw scores per file at each profile's best threshold; "found" and "fp" at the standard one`,
    ...table(['profile', 'score', 'threshold'], NAB_PROFILE_NAMES.map((p) => [p, report[p].score.toFixed(2), num(report[p].threshold)])),
  ];
}
