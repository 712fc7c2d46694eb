// Worker entry point: adapters -> activities -> a Temporal worker polling the task queue until SIGINT/SIGTERM.
import { temporalConnectionOptions } from '../transport-policy';
import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import { loadConfig, type Config } from '../config';
import { createLogger } from './logger';
import { containerRuntime, httpProbe, openNeo4j, openRabbit, queueControl } from './adapters';
import { Neo4jOutbox } from '../adapters/neo4j/outbox';
import { startHealthServer, temporalLogLevel, temporalLogger, workerMetrics } from './worker-telemetry';
import { loadRules } from './rules';
import { ensureRetentionSchedule } from './retention-schedule';
import { Client, Connection } from '@temporalio/client';
import { sharedWorkflowSource } from './workflow-bundle';
import { createAnalyzeWorker } from './analyze-worker';
import { dockerTaskQueue } from '../../workflows/docker-hosts';
import { Neo4jAutopilotStore } from '../adapters/neo4j/autopilot-store';
import { Neo4jPolicyStore } from '../adapters/neo4j/policy-store';
import { ensureWatches, LivePolicy, loadAutopilotPolicy, wakeWatchesOnEvents } from './autopilot';

export async function startWorker(config: Config, options: { identity?: string } = {}) {
  const logger = createLogger(config, 'selfheal-worker');
  // Before any connection: a bad policy file stops the worker at once, naming the field.
  const autopilotPolicy = loadAutopilotPolicy(config);
  const neo4j = await openNeo4j(config);
  // The file seeds the policy in Neo4j; an edit made through the API since (and the file unchanged) stays in force.
  const policyStore = new Neo4jPolicyStore(neo4j.connection, config.autopilot.policyId);
  const livePolicy = autopilotPolicy
    ? new LivePolicy(policyStore, await policyStore.seed({ text: autopilotPolicy.text, version: autopilotPolicy.version, path: autopilotPolicy.source }, Date.now()), logger)
    : null;
  const rabbit = openRabbit(config, logger, `selfheal-worker-${process.pid}`);
  const publisher = rabbit.publisher();
  const outbox = new Neo4jOutbox(neo4j.connection, publisher, logger, {
    sweepIntervalMs: config.outbox.sweepIntervalMs,
    minAgeMs: config.outbox.minAgeMs,
    retentionMs: config.outbox.retentionSeconds * 1000,
  });
  const metrics = workerMetrics(() => outbox.countPending());
  const deps: ActivityDeps = {
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
    pushedMetrics: neo4j.pushed,
    autopilotPolicy,
    ...(livePolicy ? { autopilotPolicies: livePolicy } : {}),
    random: Math.random,
    now: Date.now,
    counters: metrics,
  };
  const activities = createActivities(deps);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  const common = {
    connection,
    namespace: config.temporal.namespace,
    activities,
    // On SIGTERM running activities get this long to finish before they are cancelled (then retried elsewhere).
    shutdownGraceTime: `${config.worker.shutdownGraceSeconds}s`,
    // Temporal's pid@hostname, with the host identity: the history says which host's worker ran each activity.
    identity: options.identity ?? `${process.pid}@${config.worker.hostId}`,
  };
  const worker = await Worker.create({
    ...common,
    taskQueue: config.temporal.taskQueue,
    // WORKFLOW_BUNDLE_PATH, else the image's prebundled code (dist/workflow-bundle.js) when there is one; else bundled now.
    ...(await sharedWorkflowSource(config.worker.workflowBundlePath)),
  });
  // Analyses have a queue of their own (src/main/analyze-worker.ts): every worker serves it.
  const analyzeWorker = await createAnalyzeWorker(connection, config, deps, common.identity);
  // Activities only: the Docker work on this host's engine (workflows/docker-hosts.ts routes it here).
  const hostWorker = await Worker.create({ ...common, taskQueue: dockerTaskQueue(config.temporal.taskQueue, config.worker.hostId) });
  const workers = [worker, analyzeWorker, hostWorker];
  const shutdown = () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  };
  const health =
    config.worker.healthPort === null
      ? null
      : await startHealthServer({
          host: config.worker.healthHost,
          port: config.worker.healthPort,
          // Polling means polling every queue: the first Worker that is not RUNNING gives the state.
          worker: { getState: () => workers.map((w) => w.getState()).find((s) => s !== 'RUNNING') ?? 'RUNNING' },
          metrics,
          checks: [
            { name: 'neo4j', check: () => neo4j.connection.driver.getServerInfo({ database: config.neo4j.database }) },
            { name: 'rabbitmq', check: () => rabbit.connection.get() },
          ],
          ...(config.worker.sdkMetricsAddress ? { sdkMetricsUrl: `http://${config.worker.sdkMetricsAddress}/metrics` } : {}),
        });
  return {
    logger,
    outbox,
    healthPort: health?.port ?? null,
    taskQueues: workers.map((w) => w.options.taskQueue),
    /** Stops polling every queue (what SIGTERM does through the runtime); run() then returns. */
    shutdown,
    async run() {
      outbox.start();
      let stopAutopilot = async () => undefined;
      try {
        // When one stops (a fatal error), the others are stopped too: a worker never polls only some of its queues.
        const running = Promise.allSettled(workers.map((w) => w.run().finally(shutdown)));
        if (livePolicy) {
          const policy = livePolicy.latest;
          await withClient(config, (client) => ensureWatches(client, config, policy)).then(
            (ids) => logger.info({ watches: ids, policy: policy.source, version: policy.version }, 'autopilot watching'),
            (err: unknown) => logger.error({ err }, 'autopilot watches not started; the next worker start tries again'),
          );
          // Docker's events wake the watches early; without them (no connection) they still sample on their interval.
          const signalling = await Connection.connect(temporalConnectionOptions(config.temporal)).catch((err: unknown) => {
            logger.error({ err }, 'docker events will not wake the watches: no Temporal connection to signal them');
            return null;
          });
          if (signalling) {
            const events = wakeWatchesOnEvents(new Client({ connection: signalling, namespace: config.temporal.namespace }), config, () => livePolicy.latest, logger);
            stopAutopilot = async () => {
              events.close();
              await signalling.close();
            };
          }
        }
        const failed = (await running).find((e) => e.status === 'rejected');
        if (failed) throw failed.reason;
      } finally {
        await stopAutopilot();
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
    logger: temporalLogger(createLogger(config, 'selfheal-worker'), temporalLogLevel(config.logLevel)),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      ...(config.worker.sdkMetricsAddress ? { metrics: { prometheus: { bindAddress: config.worker.sdkMetricsAddress } } } : {}),
    },
  });
  startWorker(config)
    .then(async (started) => {
      const { run, logger } = started;
      logger.info({ taskQueues: started.taskQueues, hostId: config.worker.hostId, temporal: config.temporal.address, healthPort: started.healthPort }, 'worker started');
      await scheduleRetention(config).catch((err: unknown) => logger.error({ err }, 'retention schedule not created; old analysis records are kept until it is'));
      await run();
      logger.info('worker stopped');
    })
    .catch((err: unknown) => {
      process.stderr.write(`selfheal worker: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
