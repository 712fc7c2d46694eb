// Paginated read queries of the audit trail. Optional filters pick constant Cypher fragments (never values: every
// value is a query parameter), so the planner sees a plain equality it can serve from the (service, at) indexes.
import { globToRegExp } from '../../domain/inventory';
import neo4j from 'neo4j-driver';
import type { Page, TimeRangeQuery } from '../ports';
import { ValidationError } from '../../errors';
import type { Neo4jConnection } from './driver';
import { afterCursor, cursorParams, toPage } from './cursor';
import {
  anomalyFromProps,
  attemptFromProps,
  snapshotFromProps,
  stepFromProps,
  type AnomalyEventRecord,
  type AttemptQuery,
  type AttemptWithSteps,
  type SnapshotRecord,
} from './audit-records';
import type { Props } from './values';

export const MAX_PAGE_LIMIT = 1000;

/** Steps of attempt `a`, ordered by seq (an empty list when $includeSteps is false). */
const STEPS_OF_ATTEMPT = `
CALL (a) {
  OPTIONAL MATCH (a)-[:HAS_STEP]->(st:HealStep)
  WHERE $includeSteps
  WITH st ORDER BY st.seq
  RETURN collect(st {.*}) AS steps
}`;

/** The time range and page parameters shared by every listing; throws ValidationError (400) on a bad range. */
function pageParams(q: { from: number; to: number; limit: number; cursor?: string | undefined }) {
  if (!Number.isFinite(q.from) || !Number.isFinite(q.to) || q.from > q.to) {
    throw new ValidationError('from', 'must be a time not after `to`');
  }
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_PAGE_LIMIT) {
    throw new ValidationError('limit', `must be an integer from 1 to ${MAX_PAGE_LIMIT}`);
  }
  return { from: q.from, to: q.to, fetch: neo4j.int(q.limit + 1), ...cursorParams(q.cursor) };
}

/** The scope's globs as the regular expressions Cypher's =~ takes (whole-string matches). */
function servicePatterns(q: { servicePatterns?: string[] }): string[] | null {
  return q.servicePatterns === undefined ? null : q.servicePatterns.map((glob) => globToRegExp(glob).source);
}

async function read(connection: Neo4jConnection, cypher: string, params: Record<string, unknown>) {
  const { records } = await connection.driver.executeQuery(cypher, params, { database: connection.database, routing: 'READ' });
  return records;
}

/** Anomaly events in [from, to] (both inclusive), newest first. */
export async function listAnomalies(connection: Neo4jConnection, q: TimeRangeQuery): Promise<Page<AnomalyEventRecord>> {
  const records = await read(
    connection,
    `MATCH (a:AnomalyEvent)
     WHERE a.at >= $from AND a.at <= $to
       ${q.service === undefined ? '' : 'AND a.service = $service'}
       ${q.servicePatterns === undefined ? '' : 'AND any(p IN $servicePatterns WHERE a.service =~ p)'}
       ${q.metric === undefined ? '' : 'AND a.metric = $metric'}
       AND ${afterCursor('a')}
     RETURN a {.*} AS props
     ORDER BY a.at DESC, a.id DESC
     LIMIT $fetch`,
    { ...pageParams(q), service: q.service ?? null, servicePatterns: servicePatterns(q), metric: q.metric ?? null },
  );
  return toPage(records.map((r) => anomalyFromProps(r.get('props') as Props)), q.limit);
}

/** Metric snapshots in [from, to]; with `metric`, only snapshots that carried that metric. */
export async function listSnapshots(connection: Neo4jConnection, q: TimeRangeQuery): Promise<Page<SnapshotRecord>> {
  const records = await read(
    connection,
    `MATCH (m:MetricSnapshot)
     WHERE m.at >= $from AND m.at <= $to
       ${q.service === undefined ? '' : 'AND m.service = $service'}
       ${q.servicePatterns === undefined ? '' : 'AND any(p IN $servicePatterns WHERE m.service =~ p)'}
       ${q.metric === undefined ? '' : 'AND $metric IN m.metricNames'}
       AND ${afterCursor('m')}
     WITH m ORDER BY m.at DESC, m.id DESC LIMIT $fetch
     OPTIONAL MATCH (m)-[:DIAGNOSED_AS]->(d:Diagnosis)
     RETURN m {.id, .service, .at, .metrics, .workflowId, .actor, .requestId} AS props,
            COUNT { (m)-[:HAS_ANOMALY]->(:AnomalyEvent) } AS anomalyCount,
            d {.issueType, .rootCause, .confidence} AS diagnosis
     ORDER BY m.at DESC, m.id DESC`,
    { ...pageParams(q), service: q.service ?? null, servicePatterns: servicePatterns(q), metric: q.metric ?? null },
  );
  return toPage(
    records.map((r) => snapshotFromProps(r.get('props') as Props, r.get('anomalyCount'), r.get('diagnosis') as Props | null)),
    q.limit,
  );
}

function attemptWithSteps(props: Props, steps: Props[], includeSteps: boolean): AttemptWithSteps {
  const attempt = attemptFromProps(props);
  return includeSteps ? { ...attempt, steps: steps.map(stepFromProps) } : attempt;
}

/** Heal attempts started in [from, to], newest first, optionally with their steps. */
export async function listAttempts(connection: Neo4jConnection, q: AttemptQuery): Promise<Page<AttemptWithSteps>> {
  const includeSteps = q.includeSteps === true;
  const records = await read(
    connection,
    `MATCH (a:HealingAttempt)
     WHERE a.at >= $from AND a.at <= $to
       ${q.service === undefined ? '' : 'AND a.service = $service'}
       ${q.servicePatterns === undefined ? '' : 'AND any(p IN $servicePatterns WHERE a.service =~ p)'}
       AND ${afterCursor('a')}
     WITH a ORDER BY a.at DESC, a.id DESC LIMIT $fetch
     ${STEPS_OF_ATTEMPT}
     RETURN a {.*} AS props, steps
     ORDER BY a.at DESC, a.id DESC`,
    { ...pageParams(q), service: q.service ?? null, servicePatterns: servicePatterns(q), includeSteps },
  );
  return toPage(
    records.map((r) => attemptWithSteps(r.get('props') as Props, r.get('steps') as Props[], includeSteps)),
    q.limit,
  );
}

/** One attempt with its steps ordered by seq; null when unknown (or only its steps were recorded so far). */
export async function getAttempt(connection: Neo4jConnection, id: string): Promise<Required<AttemptWithSteps> | null> {
  const records = await read(
    connection,
    `MATCH (a:HealingAttempt {id: $id})
     WHERE a.at IS NOT NULL
     ${STEPS_OF_ATTEMPT}
     RETURN a {.*} AS props, steps`,
    { id, includeSteps: true },
  );
  const row = records[0];
  if (!row) return null;
  return { ...attemptFromProps(row.get('props') as Props), steps: (row.get('steps') as Props[]).map(stepFromProps) };
}
