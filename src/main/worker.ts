// Worker entry point: adapters -> activities -> a Temporal worker polling the task queue until SIGINT/SIGTERM.
import { temporalConnectionOptions } from '../transport-policy';
import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { loadConfig, type Config } from '../config';
import { createLogger } from './logger';
import { containerRuntime, httpProbe, openNeo4j, openRabbit, queueControl } from './adapters';
import { Neo4jOutbox } from '../adapters/neo4j/outbox';
import { startHealthServer, temporalLogger, workerMetrics } from './worker-telemetry';
import { loadRules } from './rules';
import { ensureRetentionSchedule } from './retention-schedule';
import { Client, Connection } from '@temporalio/client';
import { workflowSource } from './workflow-bundle';
import { Neo4jAutopilotStore } from '../adapters/neo4j/autopilot-store';
import { ensureWatches, loadAutopilotPolicy } from './autopilot';

export async function startWorker(config: Config, options: { identity?: string } = {}) {
  const logger = createLogger(config, 'selfheal-worker');
  // Before any connection: a bad policy file stops the worker at once, naming the field.
  const autopilotPolicy = loadAutopilotPolicy(config);
  const neo4j = await openNeo4j(config);
  const rabbit = openRabbit(config, logger, `selfheal-worker-${process.pid}`);
  const publisher = rabbit.publisher();
  const outbox = new Neo4jOutbox(neo4j.connection, publisher, logger, {
    sweepIntervalMs: config.outbox.sweepIntervalMs,
    minAgeMs: config.outbox.minAgeMs,
    retentionMs: config.outbox.retentionSeconds * 1000,
  });
  const metrics = workerMetrics(() => outbox.countPending());
  const activities = createActivities({
    config,
    analysisStore: neo4j.analysis,
    auditStore: neo4j.audit,
    budget: neo4j.budget,
    retention: neo4j.retention,
    serviceRegistry: neo4j.services,
    learningStore: neo4j.learning,
    metricHistory: neo4j.metricHistory,
    publisher,
    outbox,
    containers: containerRuntime(config),
    queues: queueControl(config),
    http: httpProbe(),
    rules: loadRules(config),
    autopilotStore: new Neo4jAutopilotStore(neo4j.connection),
    autopilotPolicy,
    random: Math.random,
    now: Date.now,
    counters: metrics,
  });
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    // WORKFLOW_BUNDLE_PATH, else the image's prebundled code (dist/workflow-bundle.js) when there is one; else bundled now.
    ...workflowSource(__dirname, config.worker.workflowBundlePath),
    activities,
    // On SIGTERM running activities get this long to finish before they are cancelled (then retried elsewhere).
    shutdownGraceTime: `${config.worker.shutdownGraceSeconds}s`,
    ...(options.identity ? { identity: options.identity } : {}),
  });
  const health =
    config.worker.healthPort === null
      ? null
      : await startHealthServer({
          host: config.worker.healthHost,
          port: config.worker.healthPort,
          worker,
          metrics,
          checks: [
            { name: 'neo4j', check: () => neo4j.connection.driver.getServerInfo({ database: config.neo4j.database }) },
            { name: 'rabbitmq', check: () => rabbit.connection.get() },
          ],
          ...(config.worker.sdkMetricsAddress ? { sdkMetricsUrl: `http://${config.worker.sdkMetricsAddress}/metrics` } : {}),
        });
  return {
    worker,
    logger,
    outbox,
    healthPort: health?.port ?? null,
    async run() {
      outbox.start();
      try {
        const running = worker.run();
        if (autopilotPolicy) {
          await withClient(config, (client) => ensureWatches(client, config, autopilotPolicy)).then(
            (ids) => logger.info({ watches: ids, policy: autopilotPolicy.source, version: autopilotPolicy.version }, 'autopilot watching'),
            (err: unknown) => logger.error({ err }, 'autopilot watches not started; the next worker start tries again'),
          );
        }
        await running;
      } finally {
        await health?.close();
        await outbox.stop();
        // The channel before its connection: closing both at once can leave the channel's close waiting forever.
        await publisher.close();
        await Promise.allSettled([rabbit.close(), neo4j.close(), connection.close()]);
      }
    },
  };
}

async function withClient<T>(config: Config, use: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  try {
    return await use(new Client({ connection, namespace: config.temporal.namespace }));
  } finally {
    await connection.close();
  }
}

/** Creates or updates the retention schedule; every worker does, so a deployment never lacks it. */
function scheduleRetention(config: Config): Promise<void> {
  return withClient(config, (client) => ensureRetentionSchedule(client, config));
}

if (require.main === module) {
  const config = loadConfig();
  // One log stream: the SDK's and the core's logs go through the same pino root, as JSON.
  Runtime.install({
    logger: temporalLogger(createLogger(config, 'selfheal-worker'), config.logLevel === 'debug' || config.logLevel === 'trace' ? 'DEBUG' : 'INFO'),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      ...(config.worker.sdkMetricsAddress ? { metrics: { prometheus: { bindAddress: config.worker.sdkMetricsAddress } } } : {}),
    },
  });
  startWorker(config)
    .then(async (started) => {
      const { run, logger } = started;
      logger.info({ taskQueue: config.temporal.taskQueue, temporal: config.temporal.address, healthPort: started.healthPort }, 'worker started');
      await scheduleRetention(config).catch((err: unknown) => logger.error({ err }, 'retention schedule not created; old analysis records are kept until it is'));
      await run();
      logger.info('worker stopped');
    })
    .catch((err: unknown) => {
      process.stderr.write(`selfheal worker: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
