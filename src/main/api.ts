// API entry point: config -> Temporal client, Neo4j reads, the RabbitMQ feed -> Fastify on API_HOST:API_PORT.
import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../api/app';
import { loadConfig, type Config } from '../config';
import { loadVerificationKeys } from '../auth/keys';
import { createLogger } from './logger';
import { temporalConnectionOptions } from '../transport-policy';
import { openNeo4j, openRabbit } from './adapters';
import { issueTypesOf, loadRules } from './rules';

export async function startApi(config: Config) {
  // Unreadable or unsuitable JWT keys stop the start before any connection is made.
  loadVerificationKeys(config.jwt);
  const logger = createLogger(config, 'selfheal-api');
  const neo4j = await openNeo4j(config, 'api');
  const rabbit = openRabbit(config, logger, `selfheal-${config.api.instanceId}`);
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const app = await buildApp({
    config,
    temporal,
    learning: neo4j.learning,
    audit: neo4j.audit,
    baselines: neo4j.analysis,
    feed: rabbit.feed(),
    knownIssueTypes: issueTypesOf(loadRules(config)),
    readiness: [
      { name: 'temporal', check: () => connection.healthService.check({}) },
      { name: 'neo4j', check: () => neo4j.connection.driver.getServerInfo({ database: config.neo4j.database }) },
      { name: 'rabbitmq', check: () => rabbit.connection.get() },
    ],
    logger,
  });
  app.addHook('onClose', async () => {
    await Promise.allSettled([rabbit.close(), neo4j.close(), connection.close()]);
  });
  await app.listen({ host: config.api.host, port: config.api.port });
  return app;
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
