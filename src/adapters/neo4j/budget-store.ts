// The heal budget as an atomic reservation: one (:HealBudgetReservation) per applied heal, taken before its first
// action under a global lock node, so concurrent heals (of any services, on any workers) can never overrun the
// global or the per-service limit. Same locking idiom as the analysis lock (analysis-queries.ts): MATCH the lock
// node (never MERGE, whose shared lock would deadlock on the upgrade) and write a marker to take its exclusive lock
// until commit; the marker is removed before commit.
import neo4j from 'neo4j-driver';
import type { ServiceLookup } from '../../domain/bounds';
import type { BudgetReservation, HealBudget, ServiceRegistry } from '../ports';
import type { Neo4jConnection } from './driver';
import { LruMap } from './keyed';
import { num } from './values';

const ENSURE_LOCK = `MERGE (:HealBudgetLock {id: 'global'})`;

const RESERVE = `
MATCH (lock:HealBudgetLock {id: 'global'})
SET lock.locked = true
WITH lock
OPTIONAL MATCH (own:HealBudgetReservation {attemptId: $attemptId})
CALL () {
  OPTIONAL MATCH (r:HealBudgetReservation) WHERE r.at >= $since AND r.at <= $until AND r.attemptId <> $attemptId
  RETURN count(r) AS globalCount, count(CASE WHEN r.service = $service THEN 1 END) AS serviceCount
}
WITH lock, own, globalCount, serviceCount, own IS NOT NULL OR (globalCount < $globalMax AND serviceCount < $serviceMax) AS granted
CALL (own, granted) {
  WITH own WHERE granted AND own IS NULL
  CREATE (:HealBudgetReservation {attemptId: $attemptId, service: $service, at: $at})
}
REMOVE lock.locked
RETURN granted, globalCount, serviceCount`;

/** How far ahead of this worker's clock another worker's reservation may be dated and still count. */
const CLOCK_SKEW_MS = 5 * 60_000;

const RELEASE = `MATCH (r:HealBudgetReservation {attemptId: $attemptId}) DELETE r`;

export class Neo4jHealBudget implements HealBudget {
  private lockReady: Promise<unknown> | null = null;

  constructor(private readonly connection: Neo4jConnection) {}

  async reserve(r: BudgetReservation): Promise<{ granted: boolean; global: number; service: number }> {
    // The lock node's uniqueness constraint (schema.ts) makes concurrent first MERGEs create one node.
    this.lockReady ??= this.write(ENSURE_LOCK, {}).catch((err) => {
      this.lockReady = null;
      throw err;
    });
    await this.lockReady;
    const [record] = await this.write(RESERVE, {
      attemptId: r.attemptId,
      service: r.service,
      at: neo4j.int(Math.trunc(r.at)),
      since: neo4j.int(Math.trunc(r.at - r.windowSeconds * 1000)),
      // Reservations a little ahead of this worker's clock (another worker's skew) count too; far-future ones do not.
      until: neo4j.int(Math.trunc(r.at + CLOCK_SKEW_MS)),
      globalMax: neo4j.int(r.globalMax),
      serviceMax: neo4j.int(r.serviceMax),
    });
    if (!record) throw new Error('heal budget lock node missing');
    return { granted: record.get('granted') as boolean, global: num(record.get('globalCount')), service: num(record.get('serviceCount')) };
  }

  async release(attemptId: string): Promise<void> {
    await this.write(RELEASE, { attemptId });
  }

  private async write(cypher: string, params: Record<string, unknown>) {
    const { records } = await this.connection.driver.executeQuery(cypher, params, { database: this.connection.database });
    return records;
  }
}

/**
 * The services selfheal tracks (Service nodes), for the MAX_SERVICES bound. Selfheal never deletes a Service, so a
 * service found tracked stays tracked: it is remembered, and its later analyses skip this round trip.
 */
export class Neo4jServiceRegistry implements ServiceRegistry {
  private readonly tracked: LruMap<string, true>;

  /** `rememberedServices` bounds the names kept (beyond it, the least recently analysed is looked up again). */
  constructor(
    private readonly connection: Neo4jConnection,
    options: { rememberedServices?: number } = {},
  ) {
    this.tracked = new LruMap(options.rememberedServices ?? 10_000);
  }

  async lookup(service: string): Promise<ServiceLookup> {
    if (this.tracked.get(service)) return { known: true };
    const { records } = await this.connection.driver.executeQuery(
      'CALL () { MATCH (s:Service) RETURN count(s) AS count } OPTIONAL MATCH (k:Service {name: $service}) RETURN count, k IS NOT NULL AS known',
      { service },
      { database: this.connection.database, routing: 'READ' },
    );
    if (records[0]!.get('known') !== true) return { known: false, count: num(records[0]!.get('count')) };
    this.tracked.set(service, true);
    return { known: true };
  }
}
