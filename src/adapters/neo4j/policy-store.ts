// The autonomy policy in Neo4j: one (:AutopilotPolicy {id}) node per deployment (AUTOPILOT_POLICY_ID, 'current' by
// default) holds the document in force, and each
// change is a (:PolicyChange) linked to it with who, when, the old and new versions and both documents. Neo4j is the
// source of truth once the policy has been edited through the API; the file only seeds it (docs/autopilot.md,
// "Editing the policy"). Every write takes the policy node's write lock first, so concurrent seeds and edits from
// several workers and API instances apply one after another.
import { randomUUID } from 'node:crypto';
import neo4j from 'neo4j-driver';
import type { ManagedTransaction } from 'neo4j-driver';
import type { PolicyChange, PolicyStore, StoredPolicy } from '../ports';
import type { Neo4jConnection } from './driver';
import { num, str, strOrNull, type Props } from './values';

const LOCKED = `
MERGE (p:AutopilotPolicy {id: $policyId})
SET p.lockedAt = $at
RETURN p {.*} AS p`;

const WRITE = `
MATCH (p:AutopilotPolicy {id: $policyId})
SET p.text = $text, p.version = $version, p.source = $source, p.updatedAt = $at, p.updatedBy = $actor,
    p.seedVersion = coalesce($seedVersion, p.seedVersion)
CREATE (c:PolicyChange {id: $id, at: $at, time: datetime({epochMillis: $at}), actor: $actor, source: $source,
                        oldVersion: $oldVersion, newVersion: $version, oldDocument: $oldDocument, newDocument: $text})
MERGE (p)-[:CHANGED]->(c)
RETURN c {.*} AS c`;

const CHANGES = `
MATCH (:AutopilotPolicy {id: $policyId})-[:CHANGED]->(c:PolicyChange)
RETURN c {.*} AS c ORDER BY c.at DESC, c.id DESC LIMIT $limit`;

function policyOf(p: Props): StoredPolicy | null {
  if (p['text'] === undefined || p['text'] === null) return null;
  return { text: str(p['text']), version: str(p['version']), source: str(p['source']), updatedAt: num(p['updatedAt']), updatedBy: str(p['updatedBy']) };
}

function changeOf(c: Props): PolicyChange {
  return {
    id: str(c['id']),
    at: num(c['at']),
    actor: str(c['actor']),
    source: str(c['source']),
    oldVersion: strOrNull(c['oldVersion']),
    newVersion: str(c['newVersion']),
    oldDocument: strOrNull(c['oldDocument']),
    newDocument: str(c['newDocument']),
  };
}

/** The deployment's policy node; the causal why follows decisions to its changes (autopilot-reads.ts). */
export const POLICY_ID = 'current';

export class Neo4jPolicyStore implements PolicyStore {
  /** `policyId`: another id keeps a test's policy apart from the deployment's. */
  constructor(
    private readonly connection: Neo4jConnection,
    private readonly policyId = POLICY_ID,
  ) {}

  async current(): Promise<StoredPolicy | null> {
    const { records } = await this.connection.driver.executeQuery(
      `MATCH (p:AutopilotPolicy {id: $policyId}) RETURN p {.*} AS p`,
      { policyId: this.policyId },
      { database: this.connection.database, routing: 'READ' },
    );
    return records[0] ? policyOf(records[0].get('p') as Props) : null;
  }

  async seed(file: { text: string; version: string; path: string }, at: number): Promise<StoredPolicy> {
    return this.write(async (tx, before, seedVersion) => {
      if (before && seedVersion === file.version) return { policy: before, change: null };
      return write(tx, this.policyId, before, { text: file.text, version: file.version, source: `file:${file.path}`, actor: `file:${file.path}`, at, seedVersion: file.version });
    }, at).then((r) => r.policy);
  }

  async replace(next: { text: string; version: string }, actor: string, at: number): Promise<{ policy: StoredPolicy; change: PolicyChange | null }> {
    return this.write(async (tx, before) => {
      if (before && before.version === next.version) return { policy: before, change: null };
      return write(tx, this.policyId, before, { ...next, source: 'api', actor, at, seedVersion: null });
    }, at);
  }

  async changes(limit: number): Promise<PolicyChange[]> {
    const { records } = await this.connection.driver.executeQuery(CHANGES, { policyId: this.policyId, limit: neo4j.int(limit) }, { database: this.connection.database, routing: 'READ' });
    return records.map((r) => changeOf(r.get('c') as Props));
  }

  private async write(
    body: (tx: ManagedTransaction, before: StoredPolicy | null, seedVersion: string | null) => Promise<{ policy: StoredPolicy; change: PolicyChange | null }>,
    at: number,
  ): Promise<{ policy: StoredPolicy; change: PolicyChange | null }> {
    const session = this.connection.driver.session({ database: this.connection.database });
    try {
      return await session.executeWrite(async (tx) => {
        const locked = (await tx.run(LOCKED, { policyId: this.policyId, at: neo4j.int(at) })).records[0]?.get('p') as Props;
        return body(tx, policyOf(locked), strOrNull(locked['seedVersion']));
      });
    } finally {
      await session.close();
    }
  }
}

async function write(
  tx: ManagedTransaction,
  policyId: string,
  before: StoredPolicy | null,
  next: { text: string; version: string; source: string; actor: string; at: number; seedVersion: string | null },
): Promise<{ policy: StoredPolicy; change: PolicyChange }> {
  const { records } = await tx.run(WRITE, {
    ...next,
    policyId,
    at: neo4j.int(next.at),
    id: randomUUID(),
    oldVersion: before?.version ?? null,
    oldDocument: before?.text ?? null,
  });
  const change = changeOf(records[0]?.get('c') as Props);
  return { policy: { text: next.text, version: next.version, source: next.source, updatedAt: next.at, updatedBy: next.actor }, change };
}
