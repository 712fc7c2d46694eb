// Audit read queries on the real Neo4j: keyset pagination, range and metric filters, bad input, the "why" timeline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Neo4jAnalysisStore } from '../../../src/adapters/neo4j/analysis-store';
import { Neo4jAuditStore } from '../../../src/adapters/neo4j/audit-store';
import { encodeCursor } from '../../../src/adapters/neo4j/cursor';
import type { Neo4jConnection } from '../../../src/adapters/neo4j/driver';
import type { Page } from '../../../src/adapters/ports';
import { ValidationError } from '../../../src/errors';
import { analysisInput, attemptRecord, connectTestNeo4j, announceFor, countingCompute, deleteServices, stepRecords, uniqueService } from '../../helpers/neo4j';

let connection: Neo4jConnection;
let audit: Neo4jAuditStore;
let analysis: Neo4jAnalysisStore;
const services: string[] = [];
const base = 1_800_000_000_000;

function newService(): string {
  return newServiceNamed(uniqueService());
}

function newServiceNamed(name: string): string {
  services.push(name);
  return name;
}

/** Follows nextCursor to the end, returning every page's items. */
async function walk<T>(fetch: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    pages.push(page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return pages;
}

const newestFirst = (a: { at: number; id: string }, b: { at: number; id: string }) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

beforeAll(async () => {
  connection = await connectTestNeo4j();
  audit = new Neo4jAuditStore(connection);
  analysis = new Neo4jAnalysisStore(connection);
});

afterAll(async () => {
  await deleteServices(connection, services);
  await connection.driver.close();
});

describe('keyset pagination and filters', () => {
  it('walks every attempt page without duplicates or gaps, ties on `at` broken by id', async () => {
    const service = newService();
    // 23 attempts over 8 distinct times: many share a millisecond.
    const attempts = Array.from({ length: 23 }, (_, i) => attemptRecord(service, base + (i % 8) * 1000));
    await Promise.all(attempts.map((a) => audit.recordHealAttempt(a)));

    const pages = await walk((cursor) => audit.listAttempts({ service, from: base, to: base + 7000, limit: 5, cursor }));
    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
    expect(pages.flat().map((a) => a.id)).toEqual([...attempts].sort(newestFirst).map((a) => a.id));
    expect(pages.flat()[0]).not.toHaveProperty('steps');
  });

  it('returns attempts with their steps when asked, and filters by inclusive time range', async () => {
    const service = newService();
    const attempts = [0, 1000, 2000, 3000].map((t) => attemptRecord(service, base + t));
    await Promise.all(attempts.map((a) => audit.recordHealAttempt(a)));
    await audit.recordHealSteps(stepRecords(attempts[1]!.id, base + 1000, 3));

    const page = await audit.listAttempts({ service, from: base + 1000, to: base + 2000, limit: 10, includeSteps: true });
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((a) => a.id)).toEqual([attempts[2]!.id, attempts[1]!.id]);
    expect(page.items[1]!.steps?.map((s) => s.seq)).toEqual([0, 1, 2]);
    expect(page.items[0]!.steps).toEqual([]);
  });

  it('pages anomalies and snapshots of a service, filtered by metric and range', async () => {
    const service = newService();
    const inputs = Array.from({ length: 12 }, (_, i) =>
      analysisInput(service, base + Math.floor(i / 2) * 1000, i % 3 === 0 ? { error_rate: 0.1, cpu_load: 0.9 } : { cpu_load: 0.9 }),
    );
    for (const input of inputs) await analysis.analyzeOnce(input, countingCompute(input), announceFor(input));

    const anomalies = (await walk((cursor) => audit.listAnomalies({ service, from: base, to: base + 60_000, limit: 4, cursor }))).flat();
    expect(anomalies).toHaveLength(16);
    expect(new Set(anomalies.map((a) => a.id)).size).toBe(16);
    expect(anomalies.map((a) => a.id)).toEqual([...anomalies].sort(newestFirst).map((a) => a.id));
    expect(anomalies[0]).toMatchObject({ service, severity: 'high', zscore: 4 });

    const errorRate = (await walk((cursor) => audit.listAnomalies({ service, metric: 'error_rate', from: base, to: base + 60_000, limit: 3, cursor }))).flat();
    expect(errorRate.map((a) => a.snapshotId).sort()).toEqual(inputs.filter((_, i) => i % 3 === 0).map((x) => x.analysisId).sort());

    const snapshots = (await walk((cursor) => audit.listSnapshots({ service, from: base + 1000, to: base + 3000, limit: 2, cursor }))).flat();
    expect(snapshots.map((s) => s.id).sort()).toEqual(inputs.slice(2, 8).map((x) => x.analysisId).sort());
    expect(snapshots.every((s) => s.diagnosis?.issueType === 'high_error_rate' && s.anomalyCount >= 1)).toBe(true);
    const withErrorRate = await audit.listSnapshots({ service, metric: 'error_rate', from: base, to: base + 60_000, limit: 100 });
    expect(withErrorRate.items).toHaveLength(4);
    expect(withErrorRate.items.every((s) => s.metrics.error_rate === 0.1 && s.anomalyCount === 2)).toBe(true);
  });

  it("filters lists by a scoped token's glob patterns, as whole-name matches", async () => {
    const prefix = `scope${Math.random().toString(36).slice(2, 8)}`;
    const [cart, cartEu, checkout] = [`${prefix}-cart`, `${prefix}-cart-eu`, `${prefix}-checkout`];
    for (const s of [cart, cartEu, checkout]) newServiceNamed(s);
    for (const [i, s] of [cart, cartEu, checkout].entries()) {
      await audit.recordHealAttempt(attemptRecord(s, base + 5000 + i));
      const input = analysisInput(s, base + 5000 + i, { error_rate: 0.1 });
      await analysis.analyzeOnce(input, countingCompute(input), announceFor(input));
    }
    const q = { from: base + 5000, to: base + 5002, limit: 50 };
    const servicesOf = (items: { service: string }[]) => items.map((x) => x.service).sort();
    expect(servicesOf((await audit.listAttempts({ ...q, servicePatterns: [`${prefix}-cart-*`] })).items)).toEqual([cartEu]);
    expect(servicesOf((await audit.listSnapshots({ ...q, servicePatterns: [`${prefix}-cart*`] })).items)).toEqual([cart, cartEu]);
    expect(servicesOf((await audit.listAnomalies({ ...q, servicePatterns: [checkout, `${prefix}-cart`] })).items)).toEqual([cart, checkout]);
    // A dot in a name is a dot, not any character.
    expect((await audit.listAttempts({ ...q, servicePatterns: [`${prefix}.cart`] })).items).toEqual([]);
  });

  it('refuses bad ranges, page sizes and cursors with a ValidationError', async () => {
    const q = { from: base, to: base + 1000, limit: 10 };
    await expect(audit.listAnomalies({ ...q, from: base + 2000 })).rejects.toBeInstanceOf(ValidationError);
    await expect(audit.listSnapshots({ ...q, from: Number.NaN })).rejects.toBeInstanceOf(ValidationError);
    await expect(audit.listAttempts({ ...q, limit: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(audit.listAttempts({ ...q, limit: 1_000_000 })).rejects.toBeInstanceOf(ValidationError);
    await expect(audit.listAttempts({ ...q, cursor: 'garbage!' })).rejects.toBeInstanceOf(ValidationError);
    await expect(audit.listAttempts({ ...q, cursor: Buffer.from('x:y').toString('base64url') })).rejects.toBeInstanceOf(ValidationError);
    expect(await audit.listAttempts({ ...q, service: newService(), cursor: encodeCursor({ at: base, id: 'z' }) })).toEqual({ items: [], nextCursor: null });
    expect(await audit.getAttempt('no-such-attempt')).toBeNull();
  });
});

describe('whyQuery', () => {
  it('answers "why did we restart at 03:12 and not act at 03:05" from one timeline', async () => {
    const service = newService();
    const t0305 = Date.UTC(2030, 0, 1, 3, 5);
    const t0312 = Date.UTC(2030, 0, 1, 3, 12);
    const early = analysisInput(service, t0305, { error_rate: 0.08 });
    const late = analysisInput(service, t0312, { error_rate: 0.2, latency_p95: 900 });
    const outside = analysisInput(service, Date.UTC(2030, 0, 1, 4, 0), { error_rate: 0.3 });
    for (const input of [early, late, outside]) await analysis.analyzeOnce(input, countingCompute(input), announceFor(input));

    const refused = attemptRecord(service, t0305 + 2000, {
      applied: false,
      outcome: 'refused',
      strategy: null,
      reasons: ['cooldown: restart_container ran 4 min ago (cooldown 10 min)'],
      finishedAt: t0305 + 2500,
    });
    const restart = attemptRecord(service, t0312 + 1500, { outcome: 'verified', verified: true, finishedAt: t0312 + 30_000 });
    await audit.recordHealAttempt(refused);
    await audit.recordHealSteps([{ ...stepRecords(refused.id, t0305 + 2000, 1)[0]!, step: 'refused', status: 'info', detail: 'cooldown' }]);
    await audit.recordHealAttempt(restart);
    await audit.recordHealSteps(stepRecords(restart.id, t0312 + 1500, 4));

    const answer = await audit.whyQuery(service, Date.UTC(2030, 0, 1, 3, 0), Date.UTC(2030, 0, 1, 3, 30));
    expect(answer.timeline.map((e) => [e.kind, e.at])).toEqual([
      ['snapshot', t0305],
      ['attempt', t0305 + 2000],
      ['snapshot', t0312],
      ['attempt', t0312 + 1500],
    ]);
    const [snap0305, attempt0305, snap0312, attempt0312] = answer.timeline;
    if (snap0312?.kind !== 'snapshot' || attempt0305?.kind !== 'attempt' || attempt0312?.kind !== 'attempt' || snap0305?.kind !== 'snapshot') {
      throw new Error('unexpected timeline shape');
    }
    expect(snap0305.anomalies.map((a) => a.metric)).toEqual(['error_rate']);
    expect(attempt0305.attempt).toMatchObject({ outcome: 'refused', applied: false, reasons: [expect.stringContaining('cooldown')] });
    expect(attempt0305.steps.map((s) => s.step)).toEqual(['refused']);
    expect(snap0312.metrics).toEqual({ error_rate: 0.2, latency_p95: 900 });
    expect(snap0312.diagnosis?.hypotheses?.map((h) => h.rule_id)).toEqual(['errors-and-latency', 'fallback']);
    expect(snap0312.supportedBy.map((m) => m.sort())).toEqual([['error_rate', 'latency_p95'], []]);
    expect(attempt0312.attempt).toMatchObject({ id: restart.id, strategy: 'restart_container', applied: true, verified: true });
    expect(attempt0312.steps.map((s) => s.seq)).toEqual([0, 1, 2, 3]);

    expect((await audit.whyQuery(uniqueService('none'), 0, Date.now())).timeline).toEqual([]);
  });
});
