// One Neo4j driver per process, shared by the analysis, audit and learning stores.
import neo4j, { type Driver } from 'neo4j-driver';
import type { Config } from '../../config';

export interface Neo4jConnection {
  driver: Driver;
  database: string;
}

/**
 * How long a caller waits on an unreachable Neo4j. The API answers reads, so it gives up within about two seconds and
 * answers 503; a worker's calls run inside activities that Temporal retries, so they wait a little longer, always
 * well inside an activity's timeout.
 */
export const NEO4J_PATIENCE = {
  api: { connectionTimeout: 1500, connectionAcquisitionTimeout: 1500, maxTransactionRetryTime: 500 },
  worker: { connectionTimeout: 3000, connectionAcquisitionTimeout: 5000, maxTransactionRetryTime: 5000 },
} as const;

/** Creates the driver and fails fast (with the server's error) when Neo4j is unreachable. */
export async function connectNeo4j(config: Config['neo4j'], patience: keyof typeof NEO4J_PATIENCE = 'worker'): Promise<Neo4jConnection> {
  const driver = neo4j.driver(config.uri, neo4j.auth.basic(config.user, config.password), {
    // maxTransactionRetryTime bounds the driver's own retries of transient errors (deadlocks under per-service lock
    // contention, leader switches) inside executeQuery and executeWrite.
    ...NEO4J_PATIENCE[patience],
    maxConnectionPoolSize: 100,
    // Silences the deprecation/performance notifications the server attaches to every result.
    notificationFilter: { minimumSeverityLevel: 'OFF' },
  });
  try {
    await driver.verifyConnectivity({ database: config.database });
  } catch (err) {
    await driver.close();
    throw err;
  }
  return { driver, database: config.database };
}

export async function closeNeo4j(connection: Neo4jConnection): Promise<void> {
  await connection.driver.close();
}
