// Child process of bench/perf/run.ts: a worker for the floor workflows on TEMPORAL_TASK_QUEUE, on the same Temporal
// server as selfheal's worker. Prints "ready" once polling can start; stops on SIGINT/SIGTERM (the SDK's default).
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { floorActivities } from './floor-activities';

async function main(): Promise<void> {
  const { temporal } = loadConfig();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: temporal.address });
  try {
    const worker = await Worker.create({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      workflowsPath: require.resolve('./floor-workflows'),
      activities: floorActivities,
    });
    process.stdout.write('ready\n');
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`floor worker: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
