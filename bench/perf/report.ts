// The ratio targets, judged against the floors of the same run, and the markdown tables for docs/benchmarks.md.
import type { ComponentRow } from './components';
import type { LoadStats } from './load';
import { ANALYZE_SCENARIOS, type AnalyzeScenario, type Scenario } from './scenarios';

export interface Row extends LoadStats {
  scenario: string;
  workers: number;
  /** Peak RSS during the scenario (MB): the API, and the worker that ran the workflows (selfheal's or the floor's). */
  apiPeakMb: number;
  workerPeakMb: number;
  /** 1-minute load average when this concurrency's measurement began and ended. */
  loadAverage: [number, number];
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

/** CPU ms per request of selfheal's and the services' processes (this client included; other suites' load not). */
export function oursCpuMs(row: Row): number {
  return Object.entries(row.cpuMsPerRequest).reduce((sum, [group, ms]) => (group === 'others' ? sum : sum + ms), 0);
}

/**
 * Issue 18's targets for every analyze shape, each against the floors measured in the same run: p50 at concurrency 1
 * against both floors, throughput at the highest concurrency against the floor's, CPU per analyze against today's
 * shape (`workflow`); and the dry-run heal's p50 at concurrency 1.
 */
export function checkTargets(rows: Row[], concurrencies: number[]): TargetCheck[] {
  const at = (scenario: Scenario, c: number) => rows.find((r) => r.scenario === scenario && r.concurrency === c && r.workers === 1);
  const checks: TargetCheck[] = [];
  const check = (target: string, concurrency: number, value: number, limit: number, atMost: boolean) =>
    checks.push({ target, concurrency, value, limit, pass: atMost ? value <= limit : value >= limit });
  const top = Math.max(...concurrencies);
  for (const scenario of Object.keys(ANALYZE_SCENARIOS) as AnalyzeScenario[]) {
    const [one, floor, local] = [at(scenario, 1), at('floor', 1), at('floor_local', 1)];
    if (one && floor) check(`${scenario} p50 / floor p50 <= 0.6`, 1, one.p50 / floor.p50, 0.6, true);
    if (one && local) check(`${scenario} p50 / local-activity floor p50 <= 0.8`, 1, one.p50 / local.p50, 0.8, true);
    const [high, highFloor] = [at(scenario, top), at('floor', top)];
    if (top > 1 && high && highFloor) check(`${scenario} req/s / floor req/s >= 1.5`, top, high.throughput / highFloor.throughput, 1.5, false);
    for (const c of concurrencies) {
      const [row, base] = [at(scenario, c), at('analyze_workflow', c)];
      if (row && base && scenario !== 'analyze_workflow') check(`${scenario} CPU / analyze_workflow CPU (all ours) <= 0.7`, c, oursCpuMs(row) / oursCpuMs(base), 0.7, true);
    }
  }
  const [heal, floor] = [at('heal_dry_run', 1), at('floor', 1)];
  if (heal && floor) check('heal_dry_run p50 / floor p50 <= 1.2', 1, heal.p50 / floor.p50, 1.2, true);
  return checks;
}

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export function rowsTable(rows: Row[]): string {
  const lines = [
    '| scenario | workers | conc. | p50 ms | p95 ms | p99 ms | req/s | errors | API peak MB | worker peak MB | load avg |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario} | ${r.workers} | ${r.concurrency} | ${fixed(r.p50)} | ${fixed(r.p95)} | ${fixed(r.p99)} | ${fixed(r.throughput)} | ${r.errors} | ${fixed(r.apiPeakMb, 0)} | ${fixed(r.workerPeakMb, 0)} | ${r.loadAverage.map((l) => fixed(l)).join('-')} |`,
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
    const total = oursCpuMs(r);
    lines.push(`| ${r.scenario} | ${groups.map((g) => fixed(r.cpuMsPerRequest[g] ?? Number.NaN)).join(' | ')} | ${fixed(total)} |`);
  }
  return lines.join('\n');
}
