// Latency and throughput of analyze and heal against Temporal's own floor, in one run on the running services:
// the empty workflow (one no-op activity, regular and local), analyze through HTTP in each of its three durable
// shapes (a workflow with a local activity, a Standalone Activity, an eagerly started workflow: one API per shape),
// heal dry runs through HTTP and the HTTP floor (an authenticated no-op), each at every concurrency; then
// analyze against the number of tracked series, and throughput with a second worker process.
//
//   npx tsx bench/perf/run.ts [--requests 100] [--concurrency 1,8,32] [--series 1,1000,100000] [--series-requests 50]
//                             [--seed-budget 300] [--skip-scaling] [--components-requests 50] [--label NAME]
//                             [--scenarios floor,floor_local,heal_dry_run]  (default: every scenario)
//                             [--cpu-prof DIR]  (each child process writes a V8 CPU profile to DIR when it stops)
//                             [--runtime built|source]  (built, the default: `npm run build` first, then the API and
//                                                        workers run from dist/ as the production image does)
//
// Writes bench/results/perf-<label>-<timestamp>.json; prints the markdown tables and PASS/FAIL per target.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { ANALYZE_SHAPES, type AnalyzeShape } from '../../src/config';
import { signToken } from '../../src/auth/jwt';
import { connectNeo4j } from '../../src/adapters/neo4j/driver';
import { deleteAttempts, deleteServices } from '../../test/helpers/neo4j';
import { startBenchStack, waitForPollers } from './bench-stack';
import { buildForBench, type NodeRuntime } from './processes';
import { measureComponents } from './components';
import { HttpClient } from './http-client';
import { measureInterleaved } from './measure';
import { relayQueueName } from '../../src/adapters/rabbitmq/event-feed';
import { deleteTopology } from '../../test/helpers/rabbitmq';
import { eventQueues, machine, restartedServices, servicePids, versions } from './environment';
import { checkTargets, componentsTable, cpuTable, rowsTable, seriesTable, targetsTable, type Row, type SeriesRow } from './report';
import { SCENARIOS, scenarioRequests, type Scenario, type ScenarioContext } from './scenarios';
import { SeededSeries } from './series';
import { deleteRetentionSchedule } from '../../src/main/retention-schedule';
import { healBody, learnedBaseline } from './setup';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '1,8,32' },
    series: { type: 'string', default: '1,1000,100000' },
    'series-requests': { type: 'string', default: '50' },
    'seed-budget': { type: 'string', default: '300' },
    'skip-scaling': { type: 'boolean', default: false },
    'components-requests': { type: 'string', default: '50' },
    label: { type: 'string', default: 'run' },
    scenarios: { type: 'string', default: SCENARIOS.join(',') },
    'cpu-prof': { type: 'string' },
    runtime: { type: 'string', default: 'built' },
  },
});
const scenarios = values.scenarios.split(',').map((name) => {
  const scenario = SCENARIOS.find((s) => s === name);
  if (!scenario) throw new Error(`--scenarios: unknown scenario ${name} (one of ${SCENARIOS.join(', ')})`);
  return scenario;
});
if (values.runtime !== 'built' && values.runtime !== 'source') throw new Error(`--runtime: ${values.runtime} is neither built nor source`);
const runtime: NodeRuntime = values.runtime;
const requests = Number(values.requests);
const concurrencies = values.concurrency.split(',').map(Number);
const seriesLevels = values.series ? values.series.split(',').map(Number).sort((a, b) => a - b) : [];
const command = `npx tsx bench/perf/run.ts ${process.argv.slice(2).join(' ')}`.trim();

async function main(): Promise<void> {
  const runId = randomUUID().slice(0, 8);
  const startedAt = new Date();
  const machineBefore = machine();
  const pidsBefore = servicePids();
  if (runtime === 'built') {
    process.stdout.write('building (npm run build, then the workflow bundle)...\n');
    buildForBench();
  }
  process.stdout.write(`starting the API, the worker and the floor worker from ${runtime === 'built' ? 'dist/' : 'source, through tsx'} (run ${runId})...\n`);
  const stack = await startBenchStack(runId, runtime, values['cpu-prof'] && path.resolve(values['cpu-prof']));
  const connection = await Connection.connect({ address: stack.config.temporal.address });
  const client = new Client({ connection, namespace: stack.config.temporal.namespace });
  const neo4j = await connectNeo4j(stack.config.neo4j);
  const http = Object.fromEntries(ANALYZE_SHAPES.map((shape) => [shape, new HttpClient(stack.baseUrls[shape])])) as Record<AnalyzeShape, HttpClient>;
  const shipped = stack.config.api.analyzeShape;
  const prefix = `bench-perf-${runId}`;
  const ctx: ScenarioContext = {
    runId,
    client,
    http,
    shipped,
    tokens: { operator: signToken(stack.config, { sub: 'bench', role: 'operator' }), viewer: signToken(stack.config, { sub: 'bench', role: 'viewer' }) },
    taskQueue: stack.config.temporal.taskQueue,
    floorQueue: stack.floorQueue,
    service: (caller) => `${prefix}-${caller}`,
    healBody: {},
    healAttemptIds: [],
  };
  let series: SeededSeries | undefined;
  try {
    await waitForPollers(client, ctx.taskQueue, 1);
    ctx.healBody = await healBody(ctx, `${prefix}-setup`);
    const queuesPerEvent = await eventQueues(stack.config);
    const requestsOf = scenarioRequests(ctx);
    const rows: Row[] = [];
    const measure = async <S extends string>(scenarios: readonly S[], ops: Record<S, (caller: number) => Promise<void>>, count: number, c: number) => {
      const measured = await measureInterleaved(stack, scenarios, ops, count, c);
      for (const r of measured) {
        process.stdout.write(`${r.scenario} x${r.workers} c=${c}: p50 ${r.p50.toFixed(1)} ms, ${r.throughput.toFixed(1)} req/s${r.errors ? `, ${r.errors} errors: ${r.firstError}` : ''}\n`);
      }
      return measured;
    };
    for (const c of concurrencies) rows.push(...(await measure(scenarios, requestsOf, requests, c)));

    // Each level is measured interleaved with the floor, so levels measured minutes apart stay comparable.
    const seriesRows: SeriesRow[] = [];
    if (seriesLevels.length) {
      series = new SeededSeries(neo4j, `${prefix}-series`, await learnedBaseline(ctx, `${prefix}-learn`, neo4j));
      const deadline = Date.now() + Number(values['seed-budget']) * 1000;
      for (const level of seriesLevels) {
        const seedSeconds = await series.seedTo(level, deadline);
        const ops = { floor: requestsOf.floor, analyze_series: series.analyze(http[shipped], ctx.tokens.operator) };
        const [floor, analyze] = await measure(['floor', 'analyze_series'] as const, ops, Number(values['series-requests']), 1);
        seriesRows.push({ series: series.count, seedSeconds, analyze: analyze!, floor: floor! });
        if (series.count < level) break; // out of seeding budget
      }
    }

    const top = Math.max(...concurrencies);
    const scaling: Array<{ scenario: string; concurrency: number; oneWorker: number; twoWorkers: number; gain: number }> = [];
    if (!values['skip-scaling']) {
      // One worker measured again just before the second starts, so both sides see the machine in the same state.
      const scaled = (['floor', 'analyze_workflow', 'analyze_standalone', 'analyze_eager', 'heal_dry_run'] as Scenario[]).filter((s) => scenarios.includes(s));
      const one = await measure(scaled, requestsOf, requests, top);
      await stack.addWorkers(client);
      const two = await measure(scaled, requestsOf, requests, top);
      rows.push(...two);
      for (const [k, r] of two.entries()) {
        scaling.push({ scenario: r.scenario, concurrency: top, oneWorker: one[k]!.throughput, twoWorkers: r.throughput, gain: r.throughput / one[k]!.throughput });
      }
    }

    const components = await measureComponents(stack.config, Number(values['components-requests']), 'selfheal-demo-api-1', 'api');
    const targets = checkTargets(rows, concurrencies);
    const deleteSeconds = series ? await series.deleteAll() : 0;
    const report = {
      command,
      label: values.label,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: { ...machineBefore, loadAverageAfter: machine().loadAverage },
      versions: await versions(stack.config, neo4j),
      // A restart during the run invalidates the figures measured around it.
      restartedServices: restartedServices(pidsBefore, servicePids()),
      queuesPerEvent,
      options: { requests, concurrencies, scenarios, seriesLevels, runtime, taskQueue: ctx.taskQueue, floorQueue: ctx.floorQueue },
      rows,
      targets,
      scaling,
      series: { rows: seriesRows, deleteSeconds },
      components,
    };
    const file = path.join(__dirname, '..', 'results', `perf-${values.label}-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`\n${rowsTable(rows)}\n\n${targetsTable(targets)}\n\n${seriesTable(seriesRows)}\n\n${componentsTable(components)}\n\n${concurrencies.map((c) => cpuTable(rows, c)).join('\n\n')}\n\n`);
    for (const s of scaling) process.stdout.write(`scaling ${s.scenario} c=${s.concurrency}: ${s.oneWorker.toFixed(1)} -> ${s.twoWorkers.toFixed(1)} req/s (x${s.gain.toFixed(2)})\n`);
    for (const t of targets) process.stdout.write(`${t.pass ? 'PASS' : 'FAIL'} ${t.target} at concurrency ${t.concurrency}: ${t.value.toFixed(2)}\n`);
    if (report.restartedServices.length) process.stdout.write(`WARNING: restarted during the run: ${report.restartedServices.join(', ')}\n`);
    process.stdout.write(`\nwrote ${path.relative(process.cwd(), file)}\n`);
  } finally {
    for (const client of Object.values(http)) client.close();
    await series?.deleteAll();
    await deleteServices(neo4j, [...Array.from({ length: Math.max(...concurrencies) }, (_, k) => ctx.service(k)), `${prefix}-setup`, `${prefix}-learn`]);
    await deleteAttempts(neo4j, ctx.healAttemptIds);
    await neo4j.driver.close();
    await stack.stop();
    // The bench's worker made a retention schedule for its own task queue at start; nobody polls that queue now.
    await deleteRetentionSchedule(client, stack.config);
    await connection.close();
    await deleteTopology([], ANALYZE_SHAPES.map((shape) => relayQueueName(`${stack.config.api.instanceId}-${shape}`)));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/perf: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
