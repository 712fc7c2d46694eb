// How many of a bench run's eager-shape analyses really started eagerly, read from their histories: an eager
// start's first workflow task is scheduled and started in the start's own write (test/helpers/eager-start.ts); a
// start the server could not hand back waits for matching and a poll. Callers 8 and up exist only at the
// highest concurrency (each caller analyses a service of its own, `<prefix>-<caller>`), so their share is that
// level's on its own.
//   npx tsx bench/perf/eager-starts.ts bench/results/perf-<label>-<time>.json [--top-callers-from 8]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { loadConfig } from '../../src/config';
import { eagerFirstTask } from '../../test/helpers/eager-start';

const EventType = temporal.api.enums.v1.EventType;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'top-callers-from': { type: 'string', default: '8' } } });
  const resultFile = positionals[0];
  if (!resultFile) throw new Error('usage: eager-starts.ts <bench result json>');
  const result = JSON.parse(readFileSync(resultFile, 'utf8')) as { options: { taskQueue: string } };
  const taskQueue = `${result.options.taskQueue}-analyze`;
  const prefix = result.options.taskQueue; // the bench's services are `<task queue>-<caller>`
  const topFrom = Number(values['top-callers-from']);

  const config = loadConfig(process.env);
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const tally = { all: { eager: 0, total: 0 }, top: { eager: 0, total: 0 } };
  const waits: number[] = [];
  const work: string[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowType = 'analyzeWorkflow' AND TaskQueue = '${taskQueue}'` })) work.push(wf.workflowId);
  const millis = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let id = work.pop(); id !== undefined; id = work.pop()) {
        const history = await client.workflow.getHandle(id).fetchHistory();
        const events = history.events ?? [];
        const scheduled = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
        const started = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
        if (!scheduled || !started) continue;
        const eager = eagerFirstTask(events) !== null;
        const caller = Number(id.slice(`analyze-${prefix}-`.length).split('-')[0]);
        for (const bucket of caller >= topFrom ? [tally.all, tally.top] : [tally.all]) {
          bucket.total += 1;
          if (eager) bucket.eager += 1;
        }
        if (!eager) waits.push(millis(started.eventTime) - millis(scheduled.eventTime));
      }
    }),
  );
  waits.sort((a, b) => a - b);
  process.stdout.write(
    `${taskQueue}: eager ${tally.all.eager}/${tally.all.total} of all analyses; callers >= ${topFrom} (top concurrency only): eager ${tally.top.eager}/${tally.top.total}` +
      (waits.length ? `; non-eager task waits p50 ${waits[Math.floor(waits.length / 2)]!.toFixed(0)} ms, max ${waits[waits.length - 1]!.toFixed(0)} ms` : '') +
      '\n',
  );
  await connection.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/perf/eager-starts: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
