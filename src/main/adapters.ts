// Builds the adapters a process needs from the configuration. Only entry points and test helpers call this.
import type { Config } from '../config';
import { connectNeo4j, closeNeo4j, type Neo4jConnection } from '../adapters/neo4j/driver';
import { ensureSchema } from '../adapters/neo4j/schema';
import { Neo4jAnalysisStore } from '../adapters/neo4j/analysis-store';
import { Neo4jAuditStore } from '../adapters/neo4j/audit-store';
import { Neo4jHealBudget, Neo4jServiceRegistry } from '../adapters/neo4j/budget-store';
import { Neo4jLearningStore } from '../adapters/neo4j/learning-store';
import { Neo4jMetricHistory } from '../adapters/neo4j/metric-history';
import { Neo4jAuditRetention } from '../adapters/neo4j/retention';
import { Neo4jPushedMetricsStore } from '../adapters/neo4j/pushed-metrics';
import { RabbitConnection, type AdapterLogger } from '../adapters/rabbitmq/connection';
import { RabbitEventPublisher } from '../adapters/rabbitmq/event-publisher';
import { RabbitEventFeed } from '../adapters/rabbitmq/event-feed';
import { RabbitQueueControl } from '../adapters/rabbitmq/queue-control';
import { DockerContainerRuntime } from '../adapters/docker/container-runtime';
import { FetchHttpProbe } from '../adapters/http-probe';

export interface Neo4jStores {
  connection: Neo4jConnection;
  analysis: Neo4jAnalysisStore;
  audit: Neo4jAuditStore;
  budget: Neo4jHealBudget;
  services: Neo4jServiceRegistry;
  retention: Neo4jAuditRetention;
  learning: Neo4jLearningStore;
  metricHistory: Neo4jMetricHistory;
  pushed: Neo4jPushedMetricsStore;
  close(): Promise<void>;
}

export async function openNeo4j(config: Config, patience: 'api' | 'worker' = 'worker'): Promise<Neo4jStores> {
  const connection = await connectNeo4j(config.neo4j, patience);
  await ensureSchema(connection);
  return {
    connection,
    analysis: new Neo4jAnalysisStore(connection),
    audit: new Neo4jAuditStore(connection),
    budget: new Neo4jHealBudget(connection),
    services: new Neo4jServiceRegistry(connection),
    retention: new Neo4jAuditRetention(connection),
    learning: new Neo4jLearningStore(connection),
    metricHistory: new Neo4jMetricHistory(connection),
    pushed: new Neo4jPushedMetricsStore(connection),
    close: () => closeNeo4j(connection),
  };
}

export function openRabbit(config: Config, logger: AdapterLogger, name: string) {
  const connection = new RabbitConnection(config.rabbitmq.url, logger, { name });
  return {
    connection,
    publisher: () => new RabbitEventPublisher(connection, { exchange: config.rabbitmq.exchange }, logger),
    feed: () => new RabbitEventFeed(connection, { exchange: config.rabbitmq.exchange, instanceId: config.api.instanceId }, logger),
    close: () => connection.close(),
  };
}

export function queueControl(config: Config): RabbitQueueControl {
  const { managementUrl, managementUser, managementPassword, vhost } = config.rabbitmq;
  return new RabbitQueueControl({ baseUrl: managementUrl, user: managementUser, password: managementPassword, vhost });
}

export function containerRuntime(config: Config): DockerContainerRuntime {
  const { socketPath, ownerLabel } = config.docker;
  return new DockerContainerRuntime({ socketPath, ...(ownerLabel ? { owner: { label: ownerLabel, value: config.worker.hostId } } : {}) });
}

export function httpProbe(): FetchHttpProbe {
  return new FetchHttpProbe();
}
