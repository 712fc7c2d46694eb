// Worker entry point: adapters -> activities -> a Temporal worker polling the task queue until SIGINT/SIGTERM.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { temporalConnectionOptions } from '../transport-policy';
import { NativeConnection, Runtime, Worker, makeTelemetryFilterString, DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { loadConfig, type Config } from '../config';
import { createLogger } from './logger';
import { containerRuntime, httpProbe, openNeo4j, openRabbit, queueControl } from './adapters';
import { loadRules } from './rules';

/** workflows/index.ts from a source checkout (tsx, vitest), workflows/index.js in a build. */
function workflowsPath(): string {
  const base = path.join(__dirname, '..', '..', 'workflows', 'index');
  const found = ['.ts', '.js'].map((ext) => base + ext).find((file) => existsSync(file));
  if (!found) throw new Error(`workflow code not found at ${base}.ts or .js`);
  return found;
}

export async function startWorker(config: Config, options: { identity?: string } = {}) {
  const logger = createLogger(config, 'selfheal-worker');
  const neo4j = await openNeo4j(config);
  const rabbit = openRabbit(config, logger, `selfheal-worker-${process.pid}`);
  const publisher = rabbit.publisher();
  const activities = createActivities({
    config,
    analysisStore: neo4j.analysis,
    auditStore: neo4j.audit,
    budget: neo4j.budget,
    serviceRegistry: neo4j.services,
    learningStore: neo4j.learning,
    metricHistory: neo4j.metricHistory,
    publisher,
    containers: containerRuntime(config),
    queues: queueControl(config),
    http: httpProbe(),
    rules: loadRules(config),
    random: Math.random,
    now: Date.now,
  });
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: workflowsPath(),
    activities,
    ...(options.identity ? { identity: options.identity } : {}),
  });
  return {
    worker,
    logger,
    async run() {
      try {
        await worker.run();
      } finally {
        // The channel before its connection: closing both at once can leave the channel's close waiting forever.
        await publisher.close();
        await Promise.allSettled([rabbit.close(), neo4j.close(), connection.close()]);
      }
    },
  };
}

if (require.main === module) {
  const config = loadConfig();
  Runtime.install({
    logger: new DefaultLogger(config.logLevel === 'debug' ? 'DEBUG' : 'WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } },
  });
  startWorker(config)
    .then(async ({ run, logger }) => {
      logger.info({ taskQueue: config.temporal.taskQueue, temporal: config.temporal.address }, 'worker started');
      await run();
      logger.info('worker stopped');
    })
    .catch((err: unknown) => {
      process.stderr.write(`selfheal worker: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
