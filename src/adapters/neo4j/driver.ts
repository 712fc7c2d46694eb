// One Neo4j driver per process, shared by the analysis, audit and learning stores.
import neo4j, { type Driver } from 'neo4j-driver';
import type { Config } from '../../config';

export interface Neo4jConnection {
  driver: Driver;
  database: string;
}

/** Creates the driver and fails fast (with the server's error) when Neo4j is unreachable. */
export async function connectNeo4j(config: Config['neo4j']): Promise<Neo4jConnection> {
  const driver = neo4j.driver(config.uri, neo4j.auth.basic(config.user, config.password), {
    // Retries of transient errors (deadlocks under per-service lock contention, leader switches) inside executeWrite.
    maxTransactionRetryTime: 60_000,
    maxConnectionPoolSize: 100,
    connectionAcquisitionTimeout: 30_000,
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
