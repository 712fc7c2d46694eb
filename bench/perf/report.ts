// The ratio targets, judged against the floors of the same run, and the markdown tables for docs/benchmarks.md.
import type { ComponentRow } from './components';
import type { LoadStats } from './load';
import type { Scenario } from './scenarios';

export interface Row extends LoadStats {
  scenario: string;
  workers: number;
  /** Peak RSS during the scenario (MB): the API, and the worker that ran the workflows (selfheal's or the floor's). */
  apiPeakMb: number;
  workerPeakMb: number;
  /** CPU ms per request by process group (see cpu.ts). */
  cpuMsPerRequest: Record<string, number>;
}

export interface TargetCheck {
  target: string;
  concurrency: number;
  value: number;
  limit: number;
  pass: boolean;
}

export function checkTargets(rows: Row[], concurrencies: number[]): TargetCheck[] {
  const at = (scenario: Scenario, c: number) => rows.find((r) => r.scenario === scenario && r.concurrency === c && r.workers === 1);
  return concurrencies.flatMap((c) => {
    const floor = at('floor', c);
    const analyze = at('analyze_http', c);
    const client = at('analyze_client', c);
    const heal = at('heal_dry_run', c);
    if (!floor || !analyze || !client || !heal) return [];
    return [
      { target: 'analyze p50 / floor p50 <= 1.5', concurrency: c, value: analyze.p50 / floor.p50, limit: 1.5, pass: analyze.p50 <= 1.5 * floor.p50 },
      { target: 'analyze throughput / floor throughput >= 0.7', concurrency: c, value: analyze.throughput / floor.throughput, limit: 0.7, pass: analyze.throughput >= 0.7 * floor.throughput },
      { target: 'heal dry run p50 / floor p50 <= 2.5', concurrency: c, value: heal.p50 / floor.p50, limit: 2.5, pass: heal.p50 <= 2.5 * floor.p50 },
      // Judged where nothing queues: at higher concurrency both p50s are mostly waiting in line.
      ...(c === 1 ? [{ target: 'API p50 - client p50 (analyze) <= 1 ms', concurrency: c, value: analyze.p50 - client.p50, limit: 1, pass: analyze.p50 - client.p50 <= 1 }] : []),
    ];
  });
}

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export function rowsTable(rows: Row[]): string {
  const lines = [
    '| scenario | workers | conc. | p50 ms | p95 ms | p99 ms | req/s | errors | API peak MB | worker peak MB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario} | ${r.workers} | ${r.concurrency} | ${fixed(r.p50)} | ${fixed(r.p95)} | ${fixed(r.p99)} | ${fixed(r.throughput)} | ${r.errors} | ${fixed(r.apiPeakMb, 0)} | ${fixed(r.workerPeakMb, 0)} |`,
    );
  }
  return lines.join('\n');
}

export function targetsTable(checks: TargetCheck[]): string {
  const lines = ['| target | conc. | value | limit | result |', '|---|---:|---:|---:|---|'];
  for (const t of checks) lines.push(`| ${t.target} | ${t.concurrency} | ${fixed(t.value, 2)} | ${t.limit} | ${t.pass ? 'PASS' : 'FAIL'} |`);
  return lines.join('\n');
}

export interface SeriesRow {
  series: number;
  /** Wall time to seed the series added for this level. */
  seedSeconds: number;
  analyze: Row;
  floor: Row;
}

export function seriesTable(rows: SeriesRow[]): string {
  const lines = ['| tracked series | seeding s | analyze p50 ms | analyze p99 ms | floor p50 ms | analyze / floor p50 |', '|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(`| ${r.series} | ${fixed(r.seedSeconds)} | ${fixed(r.analyze.p50)} | ${fixed(r.analyze.p99)} | ${fixed(r.floor.p50)} | ${fixed(r.analyze.p50 / r.floor.p50, 2)} |`);
  }
  return lines.join('\n');
}

export function componentsTable(rows: ComponentRow[]): string {
  const lines = ['| path | waits for | times | p50 ms | p95 ms |', '|---|---|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.path} | ${r.component} | ${r.times} | ${fixed(r.p50)} | ${fixed(r.p95)} |`);
  for (const path of new Set(rows.map((r) => r.path))) {
    const sum = rows.filter((r) => r.path === path).reduce((total, r) => total + r.times * r.p50, 0);
    lines.push(`| ${path} | sum of p50 x times | | ${fixed(sum)} | |`);
  }
  return lines.join('\n');
}

/** CPU per request by process at one concurrency: what bounds throughput when the CPUs are the bottleneck. */
export function cpuTable(rows: Row[], concurrency: number): string {
  const selected = rows.filter((r) => r.concurrency === concurrency && r.workers === 1);
  const groups = Object.keys(selected[0]?.cpuMsPerRequest ?? {});
  const lines = [`| scenario (c=${concurrency}) | ${groups.join(' | ')} | ours in all |`, `|---|${groups.map(() => '---:|').join('')}---:|`];
  for (const r of selected) {
    const total = Object.entries(r.cpuMsPerRequest).reduce((sum, [group, ms]) => (group === 'others' ? sum : sum + ms), 0);
    lines.push(`| ${r.scenario} | ${groups.map((g) => fixed(r.cpuMsPerRequest[g] ?? Number.NaN)).join(' | ')} | ${fixed(total)} |`);
  }
  return lines.join('\n');
}
