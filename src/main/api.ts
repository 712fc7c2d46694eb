// API entry point: config -> Temporal client, Neo4j reads, the RabbitMQ feed -> Fastify on API_HOST:API_PORT.
import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../api/app';
import { loadConfig, type Config } from '../config';
import { loadVerificationKeys } from '../auth/keys';
import { createLogger } from './logger';
import { temporalConnectionOptions } from '../transport-policy';
import { openNeo4j, openRabbit } from './adapters';
import { issueTypesOf, loadRules } from './rules';
import { Neo4jOutbox } from '../adapters/neo4j/outbox';
import { EagerAnalyze } from '../api/eager-analyze';
import { recordedAnalysis } from '../../activities/analysis';
import { workerMetrics } from './worker-telemetry';
import { Neo4jPolicyStore } from '../adapters/neo4j/policy-store';
import { Neo4jAutopilotReads } from '../adapters/neo4j/autopilot-reads';
import { ensureWatches } from './autopilot';

export async function startApi(config: Config) {
  // Unreadable or unsuitable JWT keys stop the start before any connection is made.
  loadVerificationKeys(config.jwt);
  const logger = createLogger(config, 'selfheal-api');
  const neo4j = await openNeo4j(config, 'api');
  const rabbit = openRabbit(config, logger, `selfheal-${config.api.instanceId}`);
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const rules = loadRules(config);
  const analyzer = config.api.analyzeShape === 'eager' ? eagerAnalyzer(config, temporal, neo4j, rabbit, logger, rules) : null;
  const app = await buildApp({
    config,
    temporal,
    ...(analyzer ? { eagerAnalyze: analyzer.eagerAnalyze } : {}),
    learning: neo4j.learning,
    audit: neo4j.audit,
    baselines: neo4j.analysis,
    pushedMetrics: neo4j.pushed,
    feed: rabbit.feed(),
    knownIssueTypes: issueTypesOf(rules),
    autopilot: {
      policies: new Neo4jPolicyStore(neo4j.connection, config.autopilot.policyId),
      reads: new Neo4jAutopilotReads(neo4j.connection, config.autopilot.policyId),
      startWatches: (policy) => ensureWatches(temporal, config, policy),
      scrapeAllowlist: config.heal.verifyHttpAllowlist,
    },
    readiness: [
      { name: 'temporal', check: () => connection.healthService.check({}) },
      { name: 'neo4j', check: () => neo4j.connection.driver.getServerInfo({ database: config.neo4j.database }) },
      { name: 'rabbitmq', check: () => rabbit.connection.get() },
    ],
    logger,
  });
  app.addHook('onClose', async () => {
    await analyzer?.stop();
    await Promise.allSettled([rabbit.close(), neo4j.close(), connection.close()]);
  });
  await app.listen({ host: config.api.host, port: config.api.port });
  return app;
}

/**
 * ANALYZE_SHAPE=eager: analyses run in this process (src/api/eager-analyze.ts), with the API's Neo4j stores and an
 * outbox that publishes this process's analyses right after their commit (the workers' outboxes sweep whatever it
 * leaves pending).
 */
function eagerAnalyzer(
  config: Config,
  temporal: Client,
  neo4j: Awaited<ReturnType<typeof openNeo4j>>,
  rabbit: ReturnType<typeof openRabbit>,
  logger: ReturnType<typeof createLogger>,
  rules: ReturnType<typeof loadRules>,
): { eagerAnalyze: EagerAnalyze; stop(): Promise<void> } {
  const publisher = rabbit.publisher();
  const outbox = new Neo4jOutbox(neo4j.connection, publisher, logger);
  const counters = workerMetrics(() => outbox.countPending());
  const analyze = recordedAnalysis({ config, analysisStore: neo4j.analysis, serviceRegistry: neo4j.services, outbox, rules, counters }, (message, meta) =>
    logger.info(meta, message),
  );
  const eagerAnalyze = new EagerAnalyze(
    temporal,
    { namespace: config.temporal.namespace, taskQueue: config.temporal.analyzeTaskQueue, identity: temporal.options.identity },
    analyze,
    (err, workflowId) => logger.warn({ err, workflowId }, 'the analysis workflow task could not be answered; it times out and a worker reruns it'),
  );
  return {
    eagerAnalyze,
    async stop() {
      await eagerAnalyze.drain();
      // The marks of events already published: else they stay pending until a worker's sweep sends them again.
      await outbox.stop();
      await publisher.close();
    },
  };
}

if (require.main === module) {
  // A bad configuration is reported like any other start-up failure: its message on stderr, exit 1.
  Promise.resolve()
    .then(() => startApi(loadConfig()))
    .then((app) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          app.log.info({ signal }, 'shutting down');
          app.close().then(() => process.exit(0), () => process.exit(1));
        });
      }
    })
    .catch((err: unknown) => {
      process.stderr.write(`selfheal api: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
