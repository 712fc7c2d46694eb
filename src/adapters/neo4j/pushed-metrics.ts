// Pushed metrics pending for the watch: a PushedSample node per sample, MERGEd on its key (a uniqueness constraint,
// schema.ts), so a retried batch stores nothing twice. A watch's sample takes its service's pending samples by
// stamping them with its tick id in one transaction. Only a pending sample carries the PushPending label (indexed on
// service and time), so a take and the backlog bound read the waiting samples, not the taken ones kept beside them:
// those stay PUSH_KEEP_TAKEN_MS so a late retry of them is still a duplicate, then a later take deletes them.
// A take that found nothing is remembered too, as the service's one PushEmptyTake node: a retried sample whose first
// try took nothing (and may have recorded its analysis) takes nothing again, leaving a push that arrived meanwhile to
// the next tick instead of taking it under an analysis that does not include it.
// docs/autopilot.md, "Pushed metrics".
import neo4j, { type Integer } from 'neo4j-driver';
import { PUSH_MAX_PENDING_PER_SERVICE, type PushedSample } from '../../domain/autopilot/pushed';
import type { PushedBatchResult, PushedMetricsStore } from '../ports';
import type { Neo4jConnection } from './driver';

// Read in the batch's transaction, so two batches cannot both pass the bound.
const PENDING = `
UNWIND $services AS service
OPTIONAL MATCH (p:PushPending {service: service}) WHERE p.at IS NOT NULL
RETURN service, count(p) AS pending`;

// The OPTIONAL MATCH reads before the MERGE writes: whether each key was there before this batch.
const STORE = `
UNWIND $samples AS s
OPTIONAL MATCH (old:PushedSample {key: s.key})
WITH s, old IS NULL AS fresh
MERGE (p:PushedSample {key: s.key})
ON CREATE SET p:PushPending, p.service = s.service, p.at = s.at, p.metrics = s.metrics, p.receivedAt = $receivedAt
RETURN sum(CASE WHEN fresh THEN 1 ELSE 0 END) AS accepted`;

const TAKEN = `
MATCH (p:PushedSample {takenBy: $tickId}) WHERE p.service = $service
RETURN p.key AS key, p.at AS at, p.metrics AS metrics ORDER BY p.at, p.key`;

// Nothing for a tick that already took nothing (its PushEmptyTake): a retry of it.
const TAKE = `
MATCH (p:PushPending {service: $service})
WHERE p.at IS NOT NULL AND NOT EXISTS { (:PushEmptyTake {service: $service, tickId: $tickId}) }
WITH p ORDER BY p.at, p.key LIMIT $limit
REMOVE p:PushPending
SET p.takenBy = $tickId, p.takenAt = $at
RETURN p.key AS key, p.at AS at, p.metrics AS metrics ORDER BY p.at, p.key`;

// Ticks of one service follow each other (one watch per service), so the last empty take is the only one a retry can be.
const REMEMBER_EMPTY = `
MERGE (e:PushEmptyTake {service: $service})
SET e.tickId = $tickId, e.at = $at`;

const FORGET = `
MATCH (p:PushedSample) WHERE p.takenAt < $forgetBefore AND p.service = $service
WITH p LIMIT $limit
DELETE p`;

export class Neo4jPushedMetricsStore implements PushedMetricsStore {
  constructor(private readonly connection: Neo4jConnection) {}

  async storeBatch(samples: readonly PushedSample[], receivedAt: number): Promise<PushedBatchResult> {
    if (samples.length === 0) return { accepted: 0, duplicate: 0 };
    const incoming = new Map<string, number>();
    for (const s of samples) incoming.set(s.service, (incoming.get(s.service) ?? 0) + 1);
    const rows = samples.map((s) => ({ key: s.key, service: s.service, at: neo4j.int(s.at), metrics: JSON.stringify(s.metrics) }));
    const session = this.connection.driver.session({ database: this.connection.database });
    try {
      return await session.executeWrite(async (tx): Promise<PushedBatchResult> => {
        const pending = await tx.run(PENDING, { services: [...incoming.keys()] });
        for (const r of pending.records) {
          const service = r.get('service') as string;
          const count = (r.get('pending') as Integer).toNumber();
          if (count + incoming.get(service)! > PUSH_MAX_PENDING_PER_SERVICE) return { full: { service, pending: count } };
        }
        const result = await tx.run(STORE, { samples: rows, receivedAt: neo4j.int(receivedAt) });
        const accepted = (result.records[0]?.get('accepted') as Integer | undefined)?.toNumber() ?? 0;
        return { accepted, duplicate: samples.length - accepted };
      });
    } finally {
      await session.close();
    }
  }

  async takePending(input: { service: string; tickId: string; limit: number; at: number; forgetBefore: number }): Promise<PushedSample[]> {
    const { service, tickId } = input;
    const params = { service, tickId, limit: neo4j.int(input.limit), at: neo4j.int(input.at), forgetBefore: neo4j.int(input.forgetBefore) };
    const session = this.connection.driver.session({ database: this.connection.database });
    try {
      const records = await session.executeWrite(async (tx) => {
        const again = await tx.run(TAKEN, params);
        if (again.records.length > 0) return again.records;
        await tx.run(FORGET, params);
        const taken = (await tx.run(TAKE, params)).records;
        if (taken.length === 0) await tx.run(REMEMBER_EMPTY, params);
        return taken;
      });
      return records.map((r) => ({
        key: r.get('key') as string,
        service,
        at: (r.get('at') as Integer).toNumber(),
        metrics: JSON.parse(r.get('metrics') as string) as Record<string, number>,
      }));
    } finally {
      await session.close();
    }
  }
}
