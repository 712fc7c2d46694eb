// Uniqueness constraints (which also index the MERGE keys) and range indexes on the time fields of range queries.
// Every statement is IF NOT EXISTS, so startup runs them on every boot, from any number of processes.
import type { Neo4jConnection } from './driver';

const UNIQUE_KEYS: ReadonlyArray<[label: string, property: string]> = [
  ['Service', 'name'],
  ['MetricSnapshot', 'id'],
  ['AnomalyEvent', 'id'],
  ['Diagnosis', 'id'],
  ['Hypothesis', 'id'],
  ['HealingAttempt', 'id'],
  ['HealStep', 'id'],
  ['Baseline', 'key'],
  ['StrategyOutcome', 'attemptId'],
  ['StrategyChoice', 'attemptId'],
  ['AnalysisLock', 'service'],
  ['OutboxEvent', 'id'],
  ['HealBudgetLock', 'id'],
  ['HealBudgetReservation', 'attemptId'],
  ['ServiceWatch', 'service'],
  ['SightChange', 'id'],
  ['Incident', 'id'],
  ['AutopilotDecision', 'id'],
  ['AutopilotPolicy', 'id'],
  ['PolicyChange', 'id'],
  ['PushedSample', 'key'],
  ['PushEmptyTake', 'service'],
];

const RANGE_INDEXES: ReadonlyArray<[label: string, properties: string[]]> = [
  ['MetricSnapshot', ['at']],
  ['AnomalyEvent', ['at']],
  ['AnomalyEvent', ['service', 'at']],
  ['MetricSnapshot', ['service', 'at']],
  ['HealingAttempt', ['service', 'at']],
  ['HealingAttempt', ['at']],
  ['StrategyOutcome', ['issueType']],
  ['StrategyChoice', ['issueType']],
  ['OutboxPending', ['stream']],
  ['OutboxEvent', ['sentAt']],
  ['HealBudgetReservation', ['at']],
  ['Incident', ['service', 'openedAt']],
  ['Incident', ['openedAt']],
  ['AutopilotDecision', ['level', 'at']],
  ['PushPending', ['service', 'at']],
  ['PushedSample', ['takenBy']],
  ['PushedSample', ['takenAt']],
];

export const SCHEMA_STATEMENTS: readonly string[] = [
  ...UNIQUE_KEYS.map(
    ([label, prop]) =>
      `CREATE CONSTRAINT ${label.toLowerCase()}_${prop.toLowerCase()}_unique IF NOT EXISTS ` +
      `FOR (n:${label}) REQUIRE n.${prop} IS UNIQUE`,
  ),
  ...RANGE_INDEXES.map(
    ([label, props]) =>
      `CREATE RANGE INDEX ${label.toLowerCase()}_${props.join('_').toLowerCase()} IF NOT EXISTS ` +
      `FOR (n:${label}) ON (${props.map((p) => `n.${p}`).join(', ')})`,
  ),
];

/** Creates the schema and waits until every index is online (a fresh index is populated in the background). */
export async function ensureSchema({ driver, database }: Neo4jConnection): Promise<void> {
  for (const statement of SCHEMA_STATEMENTS) {
    try {
      await driver.executeQuery(statement, {}, { database });
    } catch (err) {
      // Two processes booting together may race on the same DDL: the loser sees "equivalent ... already exists".
      if (!isAlreadyExists(err)) throw err;
    }
  }
  await driver.executeQuery('CALL db.awaitIndexes(300)', {}, { database });
}

function isAlreadyExists(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists' || code === 'Neo.ClientError.Schema.IndexAlreadyExists' || code === 'Neo.ClientError.Schema.ConstraintAlreadyExists';
}
