// The heal audit trail: attempts and their steps (idempotent MERGE on ids, so activity retries never duplicate),
// the safety envelope's queries on applied heals, and the paginated reads behind the audit endpoints.
import neo4j from 'neo4j-driver';
import type { AppliedHealSummary, AuditStore, HealAttemptRecord, HealStepRecord, Page, TimeRangeQuery } from '../ports';
import type { Neo4jConnection } from './driver';
import type { AnomalyEventRecord, AttemptQuery, AttemptWithSteps, SnapshotRecord } from './audit-records';
import { getAttempt, listAnomalies, listAttempts, listSnapshots } from './audit-queries';
import { num, str } from './values';
import { whyQuery, type WhyAnswer } from './why-query';

// Steps may arrive before their attempt (MERGE creates a bare node keyed by id), so the attempt's fixed fields are
// set whenever `at` is still missing, not only ON CREATE. The mutable fields follow the heal's progress, except that
// a finished attempt ignores unfinished states of the same run: an activity attempt that timed out while Neo4j was
// down goes on retrying inside the driver and may land after the heal has finished.
const RECORD_ATTEMPT = `
MERGE (s:Service {name: $fixed.service})
MERGE (a:HealingAttempt {id: $id})
WITH s, a, a.at IS NULL AS first, a.finishedAt IS NOT NULL AND $mutable.finishedAt IS NULL AND a.runId = $fixed.runId AS stale
SET a += CASE WHEN first THEN $fixed ELSE {} END
SET a += CASE WHEN stale THEN {} ELSE $mutable END
SET a.time = datetime({epochMillis: a.at})
MERGE (s)-[:HAS_ATTEMPT]->(a)`;

// A new step whose seq is taken by another step of the attempt goes after the attempt's last step (top + 1 + its
// index in the batch: unique whether or not the rows of one batch see each other's writes).
const RECORD_STEPS = `
UNWIND range(0, size($steps) - 1) AS i
WITH i, $steps[i] AS st
MERGE (a:HealingAttempt {id: st.attemptId})
WITH i, st, a
CALL (a, st) {
  OPTIONAL MATCH (a)-[:HAS_STEP]->(o:HealStep)
  RETURN max(o.seq) AS top, sum(CASE WHEN o.seq = st.seq AND o.id <> st.id THEN 1 ELSE 0 END) > 0 AS taken
}
MERGE (h:HealStep {id: st.id})
ON CREATE SET h += st, h.seq = CASE WHEN taken THEN top + 1 + i ELSE st.seq END, h.time = datetime({epochMillis: st.at})
MERGE (a)-[:HAS_STEP]->(h)
RETURN st.id AS id, h.seq AS seq`;

// Both in one statement, one round trip: the attempt's clauses run once (then one row, no variable), then the steps'.
const RECORD_HEAL = `${RECORD_ATTEMPT}
WITH count(a) AS recorded
${RECORD_STEPS}`;

const APPLIED = 'a.applied = true AND a.dryRun = false';

export class Neo4jAuditStore implements AuditStore {
  constructor(private readonly connection: Neo4jConnection) {}

  async recordHealAttempt(attempt: HealAttemptRecord): Promise<void> {
    await this.write(RECORD_ATTEMPT, attemptParams(attempt));
  }

  async recordHealSteps(steps: HealStepRecord[]): Promise<number[]> {
    if (steps.length === 0) return [];
    return storedSeqs(steps, await this.write(RECORD_STEPS, stepParams(steps)));
  }

  async recordHeal(attempt: HealAttemptRecord, steps: HealStepRecord[]): Promise<number[]> {
    if (steps.length === 0) return this.recordHealAttempt(attempt).then(() => []);
    return storedSeqs(steps, await this.write(RECORD_HEAL, { ...attemptParams(attempt), ...stepParams(steps) }));
  }

  async appliedHeals(service: string, sinceMs: number): Promise<AppliedHealSummary[]> {
    const records = await this.read(
      `MATCH (:Service {name: $service})-[:HAS_ATTEMPT]->(a:HealingAttempt)
       WHERE a.at >= $since AND ${APPLIED}
       RETURN a.id AS attemptId, a.service AS service, a.strategy AS strategy, a.at AS at, a.outcome AS outcome
       ORDER BY a.at DESC, a.id DESC`,
      { service, since: sinceMs },
    );
    return records.map((r) => ({
      attemptId: str(r.get('attemptId')),
      service: str(r.get('service')),
      strategy: (r.get('strategy') as string | null) ?? null,
      at: num(r.get('at')),
      outcome: str(r.get('outcome')),
    }));
  }

  async countAppliedHeals(sinceMs: number): Promise<number> {
    const records = await this.read(`MATCH (a:HealingAttempt) WHERE a.at >= $since AND ${APPLIED} RETURN count(a) AS n`, {
      since: sinceMs,
    });
    return num(records[0]?.get('n') ?? 0);
  }

  // ---- reads behind the audit endpoints (not in ports.ts yet) ----

  listAnomalies(query: TimeRangeQuery): Promise<Page<AnomalyEventRecord>> {
    return listAnomalies(this.connection, query);
  }

  listSnapshots(query: TimeRangeQuery): Promise<Page<SnapshotRecord>> {
    return listSnapshots(this.connection, query);
  }

  listAttempts(query: AttemptQuery): Promise<Page<AttemptWithSteps>> {
    return listAttempts(this.connection, query);
  }

  getAttempt(id: string): Promise<Required<AttemptWithSteps> | null> {
    return getAttempt(this.connection, id);
  }

  /** The operator's "why" question for one service over [fromMs, toMs]: see docs/audit.md. */
  whyQuery(service: string, fromMs: number, toMs: number): Promise<WhyAnswer> {
    return whyQuery(this.connection, service, fromMs, toMs);
  }

  private async write(cypher: string, params: Record<string, unknown>) {
    const { records } = await this.connection.driver.executeQuery(cypher, params, { database: this.connection.database });
    return records;
  }

  private async read(cypher: string, params: Record<string, unknown>) {
    const { records } = await this.connection.driver.executeQuery(cypher, params, { database: this.connection.database, routing: 'READ' });
    return records;
  }
}

function attemptParams(attempt: HealAttemptRecord) {
  return {
    id: attempt.id,
    fixed: {
      at: neo4j.int(Math.trunc(attempt.at)),
      workflowId: attempt.workflowId,
      runId: attempt.runId,
      service: attempt.service,
      dryRun: attempt.dryRun,
      issueType: attempt.issueType,
      rootCause: attempt.rootCause,
      actor: attempt.actor,
      requestId: attempt.requestId,
      diagnosis: JSON.stringify(attempt.diagnosis),
    },
    mutable: {
      strategy: attempt.strategy,
      applied: attempt.applied,
      verified: attempt.verified,
      outcome: attempt.outcome,
      reasons: attempt.reasons,
      plan: JSON.stringify(attempt.plan ?? null),
      finishedAt: attempt.finishedAt === null ? null : neo4j.int(Math.trunc(attempt.finishedAt)),
    },
  };
}

function stepParams(steps: HealStepRecord[]) {
  return {
    steps: steps.map((s) => ({
      id: s.id,
      attemptId: s.attemptId,
      seq: neo4j.int(s.seq),
      step: s.step,
      status: s.status,
      action: s.action ?? null,
      target: s.target ?? null,
      detail: s.detail,
      data: JSON.stringify(s.data),
      at: neo4j.int(Math.trunc(s.at)),
    })),
  };
}

/** Each step's stored seq, in input order. */
function storedSeqs(steps: HealStepRecord[], records: Array<{ get(key: string): unknown }>): number[] {
  const stored = new Map(records.map((r) => [str(r.get('id')), num(r.get('seq'))]));
  return steps.map((s) => stored.get(s.id) ?? s.seq);
}
