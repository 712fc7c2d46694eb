// Scale of the autopilot's watch on the real stack: N series sampled every --interval seconds, served as Prometheus
// text by one exporter in this process on 127.0.0.1 (--per-service gauges per service, one scrape target each),
// watched by a real worker and API started as processes of their own (a task queue of their own), with the policy
// in shadow. For each size it waits until every watch has sampled, then measures over --minutes: the CPU of the
// worker, the API, the Temporal server and Neo4j (utime + stime from /proc/<pid>/stat), the growth of the watches'
// Temporal history (every run, continued-as-new ones included), and the analyses written to Neo4j (snapshots; each
// one write transaction that also updates every series' baseline). Size 0 runs the same window with no watch: what
// the others sharing the machine cost the shared Temporal server and Neo4j meanwhile.
// Run (holding the stack lock): npx tsx bench/autopilot-scale.ts [--sizes 0,100,300,1000] [--minutes 10]
//   [--per-service 20] [--interval 10]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../src/config';
import { relayQueueName } from '../src/adapters/rabbitmq/event-feed';
import { startMetricsExporter } from '../test/helpers/metrics-exporter';
import { connectTestNeo4j, deleteServices } from '../test/helpers/neo4j';
import { deleteTopology } from '../test/helpers/rabbitmq';
import { waitFor } from '../test/helpers/containers';
import { servicePids } from './perf/environment';
import { startNode } from './perf/processes';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '0,100,300,1000' },
    minutes: { type: 'string', default: '10' },
    'per-service': { type: 'string', default: '20' },
    interval: { type: 'string', default: '10' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const windowMs = Number(values.minutes) * 60_000;
const perService = Number(values['per-service']);
const intervalSeconds = Number(values.interval);
const run = randomUUID().slice(0, 6);
const TICKS_PER_SECOND = 100;

/** Seconds of CPU (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command (which may hold spaces) start after its closing parenthesis; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Deterministic noise around a level: the watches see steady series, as most of a real fleet's are. */
function exposition(service: string, tick: number): string {
  let out = '# TYPE bench_gauge gauge\n';
  for (let i = 0; i < perService; i++) {
    const wobble = Math.sin((tick + i) * 1.3 + service.length) * 0.5;
    out += `bench_gauge{series="${i}"} ${(50 + i + wobble).toFixed(3)}\n`;
  }
  return out;
}

interface Row {
  series: number;
  services: number;
  minutes: number;
  load: string;
  cpu: Record<'worker' | 'api' | 'temporal' | 'neo4j', number>;
  historyEvents: number;
  samples: number;
  expectedSamples: number;
}

async function measure(size: number, client: Client, neo4j: Awaited<ReturnType<typeof connectTestNeo4j>>): Promise<Row> {
  const services = Array.from({ length: size / perService }, (_, i) => `scale-${run}-${size}-${i}`);
  let tick = 0;
  const exporter = await startMetricsExporter((p) => exposition(p, tick));
  const ticker = setInterval(() => tick++, intervalSeconds * 1000);
  const dir = mkdtempSync(path.join(tmpdir(), 'selfheal-scale-'));
  const policyFile = path.join(dir, 'autopilot.yaml');
  writeFileSync(policyFile, `default: shadow\nservices:\n${services.map((s) => `  ${s}:\n    scrape: [{url: "${exporter.origin}/${s}"}]\n`).join('')}`);
  const taskQueue = `bench-scale-${run}-${size}`;
  const apiInstance = `bench-scale-${run}-${size}`;
  const env = {
    TEMPORAL_TASK_QUEUE: taskQueue,
    API_INSTANCE_ID: apiInstance,
    API_PORT: '0',
    LOG_LEVEL: 'warn',
    VERIFY_HTTP_ALLOWLIST: `${exporter.origin}/`,
    AUTOPILOT_POLICY_FILE: size > 0 ? policyFile : '',
    AUTOPILOT_INTERVAL_SECONDS: String(intervalSeconds),
    MAX_SERVICES: '10000000',
  };
  const worker = startNode('worker', 'bench/scale-worker.ts', env);
  const api = startNode('api', 'src/main/api.ts', env);
  const running = servicePids();
  const pids = { worker: worker.pid, api: api.pid, temporal: Number(running['temporal']), neo4j: Number(running['neo4j']) };
  try {
    // Started and sampling: every watch has written an analysis (the API has no readiness to wait on here).
    if (services.length > 0) await waitFor(async () => (await snapshots(services)) >= services.length, 180_000, `${services.length} watches sampling`);
    else await new Promise((r) => setTimeout(r, 15_000));
    const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
    const events0 = await historyEvents(taskQueue);
    const samples0 = await snapshots(services);
    const load0 = loadavg()[0]!;
    await new Promise((r) => setTimeout(r, windowMs));
    const load1 = loadavg()[0]!;
    const seconds = windowMs / 1000;
    const cpu = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, (cpuSeconds(pid) - cpu0[k]!) / seconds])) as Row['cpu'];
    return {
      series: size,
      services: services.length,
      minutes: Number(values.minutes),
      load: `${load0.toFixed(1)}-${load1.toFixed(1)}`,
      cpu,
      historyEvents: (await historyEvents(taskQueue)) - events0,
      samples: (await snapshots(services)) - samples0,
      expectedSamples: Math.round((services.length * seconds) / intervalSeconds),
    };
  } finally {
    clearInterval(ticker);
    await Promise.all([worker.stop(), api.stop()]);
    for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
      await client.workflow.getHandle(wf.workflowId, wf.runId).terminate('scale benchmark over').catch(() => undefined);
    }
    await deleteTopology([], [relayQueueName(apiInstance)]);
    await deleteServices(neo4j, services);
    await exporter.close();
  }

  async function snapshots(names: string[]): Promise<number> {
    if (names.length === 0) return 0;
    const { records } = await neo4j.driver.executeQuery('MATCH (s:Service)-[:HAS_SNAPSHOT]->(m) WHERE s.name IN $names RETURN count(m) AS n', { names }, { database: neo4j.database });
    return Number(records[0]?.get('n') ?? 0);
  }

  /** Events in every watch run on the queue: closed runs as recorded at their close, running ones as described now. */
  async function historyEvents(queue: string): Promise<number> {
    let total = 0;
    for await (const wf of client.workflow.list({ query: `TaskQueue = '${queue}'` })) {
      total += wf.status.name === 'RUNNING' ? (await client.workflow.getHandle(wf.workflowId, wf.runId).describe()).historyLength : wf.historyLength;
    }
    return total;
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const neo4j = await connectTestNeo4j();
  const rows: Row[] = [];
  try {
    for (const size of sizes) {
      const row = await measure(size, client, neo4j);
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  } finally {
    await neo4j.driver.close();
    await connection.close();
  }
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  console.log(`\n${perService} series per service, sampled every ${intervalSeconds} s; CPU in % of one core over the window`);
  console.log('| series | services | min | load avg | worker | API | Temporal | selfheal + Temporal | Neo4j | history events/min | analyses/min (expected) |');
  console.log('| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const perMin = (x: number) => (x / r.minutes).toFixed(0);
    console.log(
      `| ${r.series} | ${r.services} | ${r.minutes} | ${r.load} | ${pct(r.cpu.worker)} | ${pct(r.cpu.api)} | ${pct(r.cpu.temporal)} | ${pct(r.cpu.worker + r.cpu.api + r.cpu.temporal)} | ${pct(r.cpu.neo4j)} | ${perMin(r.historyEvents)} | ${perMin(r.samples)} (${perMin(r.expectedSamples)}) |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
