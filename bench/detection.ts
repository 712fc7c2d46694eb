// Detection engine benchmark: update throughput (one long series; 10,000 interleaved series; the result object is
// reused, as `selfheal detect` and `selfheal evaluate` do) both from source under tsx and compiled by tsc (as deployed
// from dist/), memory per tracked series (heap delta, needs --expose-gc) and its JSON size, and the CLI's wall time
// and peak RSS on 100k and 1M rows.
// Run: node --expose-gc --import tsx bench/detection.ts   (or npx tsx bench/detection.ts, without the heap figure)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as sourceEngine from '../src/domain/detection';
import type { BaselineState, SampleResult } from '../src/domain/detection';

type CreateDetector = typeof sourceEngine.createDetector;
const ROOT = resolve(__dirname, '..');

const MINUTE = 60_000;
const START = Date.UTC(2024, 0, 1);

/** A deterministic metric: AR(1) noise, a daily cycle, a spike every 5,000 samples. */
function makeValues(length: number, seed: number): Float64Array {
  let state = seed >>> 0;
  const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
  const values = new Float64Array(length);
  let noise = 0;
  for (let i = 0; i < length; i++) {
    noise = 0.8 * noise + (uniform() - 0.5);
    values[i] = 100 + 20 * Math.sin((2 * Math.PI * i) / 1440) + noise + (i % 5000 === 4999 ? 25 : 0);
  }
  return values;
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

function oneSeries(createDetector: CreateDetector, points: number): number {
  const detector = createDetector();
  const values = makeValues(points, 1);
  const rates: number[] = [];
  for (let run = 0; run < 3; run++) {
    const state = detector.createState();
    let result: SampleResult | undefined; // reused, as the CLI does: the update step itself allocates nothing
    const started = performance.now();
    for (let i = 0; i < points; i++) result = detector.observe(state, 'latency_p95', values[i]!, START + i * MINUTE, result);
    rates.push(points / ((performance.now() - started) / 1000));
  }
  return median(rates);
}

function interleaved(createDetector: CreateDetector, seriesCount: number, perSeries: number): number {
  const detector = createDetector();
  const values = makeValues(perSeries, 2);
  const rates: number[] = [];
  for (let run = 0; run < 3; run++) {
    const states = Array.from({ length: seriesCount }, () => detector.createState());
    let result: SampleResult | undefined;
    const started = performance.now();
    for (let i = 0; i < perSeries; i++) {
      const at = START + i * MINUTE;
      const base = values[i]!;
      for (let s = 0; s < seriesCount; s++) result = detector.observe(states[s]!, 'latency_p95', base + (s % 7), at, result);
    }
    rates.push((seriesCount * perSeries) / ((performance.now() - started) / 1000));
  }
  return median(rates);
}

function memoryPerSeries(seriesCount: number): { heapBytes: number | null; jsonBytes: number; jsonMax: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  const detector = sourceEngine.createDetector();
  const values = makeValues(200, 3);
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const states: BaselineState[] = [];
  for (let s = 0; s < seriesCount; s++) {
    const state = detector.createState();
    for (let i = 0; i < values.length; i++) detector.observe(state, 'latency_p95', values[i]! + s, START + i * MINUTE);
    states.push(state);
  }
  gc?.();
  const heapBytes = gc ? (process.memoryUsage().heapUsed - before) / seriesCount : null;
  const sizes = states.map((state) => Buffer.byteLength(JSON.stringify(state)));
  return { heapBytes, jsonBytes: sizes.reduce((a, b) => a + b, 0) / seriesCount, jsonMax: Math.max(...sizes) };
}

/** The engine as tsc compiles it for dist/ (tsx wraps every cross-module call in getters, which halves its speed). */
function compiledEngine(dir: string): CreateDetector {
  const tsc = require.resolve('typescript/bin/tsc');
  // --ignoreConfig: TypeScript 6 refuses files named on the command line beside a tsconfig.json without it.
  const flags = ['--ignoreConfig', '--outDir', dir, '--rootDir', join(ROOT, 'src'), '--module', 'node16', '--moduleResolution', 'node16',
    '--target', 'ES2022', '--strict', '--skipLibCheck', '--types', 'node'];
  execFileSync('node', [tsc, ...flags, join(ROOT, 'src/domain/detection/index.ts')], { stdio: 'inherit' });
  return (require(join(dir, 'domain/detection/index.js')) as typeof sourceEngine).createDetector;
}

/** Wall time and peak RSS of `selfheal detect` on a generated CSV of `rows` rows (RSS from /usr/bin/time -v). */
function cli(rows: number, dir: string): { seconds: number; peakRssMb: number | null } {
  const input = join(dir, `series-${rows}.csv`);
  const values = makeValues(rows, 4);
  const lines = ['timestamp,value'];
  for (let i = 0; i < rows; i++) lines.push(`${new Date(START + i * MINUTE).toISOString()},${values[i]!.toFixed(3)}`);
  writeFileSync(input, lines.join('\n') + '\n');
  const command = ['node', join(ROOT, 'bin/selfheal.js'), 'detect', '--input', input, '--output', join(dir, 'out.csv')];
  const timed = existsSync('/usr/bin/time');
  const started = performance.now();
  const run = spawnSync(timed ? '/usr/bin/time' : command[0]!, timed ? ['-v', ...command] : command.slice(1), {
    encoding: 'utf8',
  });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`selfheal detect failed: ${run.stderr}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr);
  return { seconds, peakRssMb: rss ? Number(rss[1]) / 1024 : null };
}

function main(): void {
  const rows: [string, string, string][] = [];
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const dir = mkdtempSync(join(tmpdir(), 'selfheal-bench-'));
  try {
    const engines: [string, CreateDetector][] = [
      ['source, tsx', sourceEngine.createDetector],
      ['compiled, tsc', compiledEngine(join(dir, 'compiled'))],
    ];
    for (const [label, create] of engines) {
      const single = oneSeries(create, 5_000_000);
      rows.push([`update, one series of 5,000,000 points (${label})`, `${fmt(single)} points/s`, '>= 1,000,000']);
      const many = interleaved(create, 10_000, 200);
      rows.push([`update, 10,000 series x 200 interleaved (${label})`, `${fmt(many)} points/s`, '>= 1,000,000']);
    }
    const memory = memoryPerSeries(10_000);
    const heap = memory.heapBytes === null ? 'run with --expose-gc' : `${fmt(memory.heapBytes)} B`;
    rows.push(['heap per tracked series (10,000 series)', heap, 'no target']);
    const json = `${fmt(memory.jsonBytes)} B mean, ${fmt(memory.jsonMax)} B max`;
    rows.push(['JSON size per series (persisted state)', json, '<= 4 KB']);
    for (const size of [100_000, 1_000_000]) {
      const run = cli(size, dir);
      const rss = run.peakRssMb === null ? 'peak RSS n/a' : `${run.peakRssMb.toFixed(0)} MB peak RSS`;
      const figures = `${run.seconds.toFixed(1)} s, ${fmt(size / run.seconds)} rows/s, ${rss}`;
      rows.push([`selfheal detect, ${fmt(size)} rows`, figures, 'constant memory']);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length), 7));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  const machine = `${cpus()[0]?.model ?? 'unknown cpu'}, load ${loadavg()[0]!.toFixed(1)}`;
  console.log(`node ${process.version}, ${process.arch}, ${machine}`);
  console.log(line(['measure', 'result', 'target']));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
}

main();
