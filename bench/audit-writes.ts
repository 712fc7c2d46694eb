// Audit write throughput on the real Neo4j: heal steps batched (UNWIND) at several batch sizes, attempts, and
// analyzeOnce (one transaction per analysis: lock, read baselines, write baselines + snapshot + anomalies + diagnosis)
// sequentially and with concurrency 8 on different services.
// Run: npx tsx bench/audit-writes.ts [--seconds 5]
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { Neo4jAnalysisStore } from '../src/adapters/neo4j/analysis-store';
import { Neo4jAuditStore } from '../src/adapters/neo4j/audit-store';
import {
  analysisInput,
  attemptRecord,
  connectTestNeo4j,
  announceFor, countingCompute,
  deleteServices,
  stepRecords,
  uniqueService,
} from '../test/helpers/neo4j';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' } } });
const budgetMs = Number(values.seconds) * 1000;

interface Row {
  case: string;
  ops: number;
  records: number;
  seconds: number;
  p50: number;
  p99: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** Runs `op` from `workers` loops until the time budget is spent; each op writes `recordsPerOp` records. */
async function measure(name: string, workers: number, recordsPerOp: number, op: (worker: number) => Promise<void>): Promise<Row> {
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() - start < budgetMs) {
        const t = performance.now();
        await op(worker);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { case: name, ops: latencies.length, records: latencies.length * recordsPerOp, seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

async function main(): Promise<void> {
  const connection = await connectTestNeo4j();
  const audit = new Neo4jAuditStore(connection);
  const analysis = new Neo4jAnalysisStore(connection);
  const services = Array.from({ length: 9 }, () => uniqueService('bench'));
  const rows: Row[] = [];
  try {
    const attemptService = services[0]!;
    const warmup = attemptRecord(attemptService, Date.now());
    await audit.recordHealAttempt(warmup);
    await audit.recordHealSteps(stepRecords(warmup.id, Date.now(), 10));

    rows.push(await measure('recordHealAttempt', 1, 1, () => audit.recordHealAttempt(attemptRecord(attemptService, Date.now()))));
    for (const batch of [1, 10, 100, 500]) {
      rows.push(
        await measure(`recordHealSteps batch ${batch}`, 1, batch, async () => {
          const attempt = attemptRecord(attemptService, Date.now());
          await audit.recordHealSteps(stepRecords(attempt.id, attempt.at, batch));
        }),
      );
    }
    const analyze = (service: string) => {
      const input = analysisInput(service, Date.now(), { error_rate: Math.random(), latency_p95: 100 + Math.random() * 50, cpu_load: Math.random() }, randomUUID());
      return analysis.analyzeOnce(input, countingCompute(input), announceFor(input)).then(() => undefined);
    };
    await analyze(services[1]!);
    rows.push(await measure('analyzeOnce sequential (1 service)', 1, 1, () => analyze(services[1]!)));
    rows.push(await measure('analyzeOnce concurrency 8 (8 services)', 8, 1, (worker) => analyze(services[1 + worker]!)));
    rows.push(await measure('analyzeOnce concurrency 8 (1 service)', 8, 1, () => analyze(services[1]!)));
  } finally {
    await deleteServices(connection, services);
    await connection.driver.close();
  }

  console.log('| case | ops | records/s | ops/s | p50 ms | p99 ms |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.case} | ${r.ops} | ${(r.records / r.seconds).toFixed(0)} | ${(r.ops / r.seconds).toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
