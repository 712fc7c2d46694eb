// The autopilot on the real stack, with no REST call: a worker whose policy puts restart_unhealthy in auto for one
// service and leaves another in shadow. An unhealthy container of the first is restarted and verified through one
// incident and one heal; the second's gets an incident and a recorded shadow decision, and nothing is done to it.
// A service whose containers are gone is blind.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { startTestStack, type TestStack } from '../helpers/stack';
import { breakHealthCheck, createServiceContainer, docker, makeUnhealthy, removeContainers, startedAt, waitFor } from '../helpers/containers';
import { connectTestNeo4j, deleteServices } from '../helpers/neo4j';
import type { Neo4jConnection } from '../../src/adapters/neo4j/driver';
import type { WatchStatus } from '../../src/domain/autopilot';
import type { HealStatus } from '../../src/domain/heal';
import { healWorkflowId, watchStatusQuery, watchWorkflowId } from '../../workflows/definitions';

const id = randomUUID().slice(0, 8);
const autoService = `ap-auto-${id}`;
const shadowService = `ap-shadow-${id}`;
let stack: TestStack;
let connection: Connection;
let client: Client;
let neo4j: Neo4jConnection;
let autoContainer: { name: string };
let shadowContainer: { name: string };

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'selfheal-autopilot-'));
  const policyFile = path.join(dir, 'autopilot.yaml');
  writeFileSync(policyFile, `services:\n  ${autoService}:\n    strategies:\n      restart_unhealthy: auto\n  ${shadowService}: {}\n`);
  [autoContainer, shadowContainer] = await Promise.all([createServiceContainer(autoService), createServiceContainer(shadowService)]);
  stack = await startTestStack({ AUTOPILOT_POLICY_FILE: policyFile, AUTOPILOT_INTERVAL_SECONDS: '1' });
  connection = await Connection.connect({ address: stack.config.temporal.address });
  client = new Client({ connection, namespace: stack.config.temporal.namespace });
  neo4j = await connectTestNeo4j();
});

afterAll(async () => {
  await removeContainers({ label: `selfheal.service=${autoService}` });
  await removeContainers({ label: `selfheal.service=${shadowService}` });
  await stack?.stop();
  await connection?.close();
  if (neo4j) {
    await deleteServices(neo4j, [autoService, shadowService]);
    await neo4j.driver.close();
  }
});

async function watchStatus(service: string): Promise<WatchStatus> {
  return client.workflow.getHandle(watchWorkflowId(service)).query(watchStatusQuery);
}

async function untilWatch(service: string, what: string, check: (s: WatchStatus) => boolean): Promise<WatchStatus> {
  let last: WatchStatus | null = null;
  await waitFor(
    async () => {
      // Not queryable until the worker has started it and run its first task.
      last = await watchStatus(service).catch(() => null);
      return last !== null && check(last);
    },
    60_000,
    what,
  );
  return last as unknown as WatchStatus;
}

async function cypher(query: string, params: Record<string, unknown>) {
  const { records } = await neo4j.driver.executeQuery(query, params, { database: neo4j.database });
  return records.map((r) => r.toObject());
}

describe('autopilot', () => {
  it('watches every service its policy names, seeing their containers', async () => {
    for (const service of [autoService, shadowService]) {
      const s = await untilWatch(service, `${service} watched twice`, (w) => w.samples >= 2);
      expect(s.phase).toBe('watching');
      expect(s.containers).toEqual([expect.objectContaining({ health: 'healthy' })]);
      expect(s.incident).toBeNull();
    }
  });

  it('auto: an unhealthy container is restarted and verified with no REST call: one incident, one decision, one heal', async () => {
    const before = await startedAt(autoContainer.name);
    await breakHealthCheck(autoContainer.name);
    // The heal is the watch's child; wait for it to exist, then for its end.
    await waitFor(async () => (await client.workflow.getHandle(healWorkflowId(autoService)).describe().then(() => true, (e: unknown) => (e instanceof WorkflowNotFoundError ? false : Promise.reject(e)))), 60_000, 'the autopilot to start a heal');
    const heal = client.workflow.getHandle(healWorkflowId(autoService));
    const result = (await heal.result()) as HealStatus;
    expect(result).toMatchObject({ outcome: 'verified', applied: true, verified: true });
    expect(result.plan?.strategy).toBe('restart_unhealthy');
    expect((await heal.describe()).parentExecution?.workflowId).toBe(watchWorkflowId(autoService));
    expect(await startedAt(autoContainer.name)).not.toBe(before);
    expect((await docker.getContainer(autoContainer.name).inspect()).State.Health?.Status).toBe('healthy');

    const resolved = await untilWatch(autoService, 'the incident resolved', (w) => w.incident?.status === 'resolved');
    expect(resolved.incident).toMatchObject({ attempts: 1, lastOutcome: 'verified', troubles: [`container:${autoContainer.name}:unhealthy`] });
    const rows = await cypher(
      `MATCH (:Service {name: $service})-[:HAD_INCIDENT]->(i:Incident)
       OPTIONAL MATCH (i)-[:DECIDED]->(d:AutopilotDecision)
       OPTIONAL MATCH (i)-[:REMEDIATED_BY]->(a:HealingAttempt)
       OPTIONAL MATCH (d)-[:STARTED]->(started:HealingAttempt)
       RETURN i.status AS status, i.id AS incident, collect(DISTINCT d {.level, .action, .result, .policyRule, .strategy}) AS decisions,
              collect(DISTINCT a {.outcome, .actor, .strategy}) AS attempts, collect(DISTINCT started.id) AS started`,
      { service: autoService },
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      status: 'resolved',
      decisions: [{ level: 'auto', action: 'start_heal', result: `started ${healWorkflowId(autoService)}`, policyRule: `services.${autoService}.strategies.restart_unhealthy`, strategy: 'restart_unhealthy' }],
      attempts: [{ outcome: 'verified', actor: 'autopilot', strategy: 'restart_unhealthy' }],
      started: [result.attempt_id],
    });
    const heals = await cypher('MATCH (:Service {name: $service})-[:HAS_ATTEMPT]->(a:HealingAttempt) RETURN count(a) AS n', { service: autoService });
    expect(Number(heals[0]?.n)).toBe(1);
  });

  it('shadow: the incident gets the decision that would have been taken, and the container is left alone', async () => {
    const before = await docker.getContainer(shadowContainer.name).inspect();
    await makeUnhealthy(shadowContainer.name);
    const s = await untilWatch(shadowService, 'a shadow decision', (w) => w.incident?.needsDecision === false);
    expect(s.incident).toMatchObject({ status: 'open', attempts: 0, inFlight: null });
    const decisions = await cypher(
      `MATCH (:Service {name: $service})-[:HAD_INCIDENT]->(:Incident)-[:DECIDED]->(d:AutopilotDecision)
       RETURN d.level AS level, d.action AS action, d.reason AS reason, d.policyRule AS rule`,
      { service: shadowService },
    );
    expect(decisions).toEqual([{ level: 'shadow', action: 'record', reason: 'shadow: would have started restart_unhealthy; nothing done', rule: 'default' }]);
    // A few more samples: still nothing done, no heal, no second decision.
    const n = s.samples;
    await untilWatch(shadowService, 'three more samples', (w) => w.samples >= n + 3);
    await expect(client.workflow.getHandle(healWorkflowId(shadowService)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const after = await docker.getContainer(shadowContainer.name).inspect();
    expect([after.State.StartedAt, after.RestartCount, after.State.Health?.Status]).toEqual([before.State.StartedAt, before.RestartCount, 'unhealthy']);
    expect(await cypher('MATCH (:Service {name: $service})-[:HAD_INCIDENT]->(:Incident)-[:DECIDED]->(d) RETURN d.id AS id', { service: shadowService })).toHaveLength(1);
  });

  it('blind: a service whose containers are gone is blind, in the query and in the audit, and that is no health', async () => {
    await removeContainers({ label: `selfheal.service=${shadowService}` });
    const s = await untilWatch(shadowService, 'blind', (w) => w.phase === 'blind');
    expect(s.blind_reason).toBe(`docker: no managed container of ${shadowService} (selfheal.service=${shadowService})`);
    // Blind samples do not count as clean: the shadow incident stays open.
    const n = s.samples;
    const later = await untilWatch(shadowService, 'five more samples', (w) => w.samples >= n + 5);
    expect(later.incident?.status).toBe('open');
    const sights = await cypher(
      `MATCH (:Service {name: $service})-[:WATCHED_BY]->(w:ServiceWatch)-[:HAD_SIGHT]->(c:SightChange) RETURN w.blind AS blind, c.blind AS change ORDER BY c.at`,
      { service: shadowService },
    );
    expect(sights.map((r) => r.change)).toEqual([false, true]);
    expect(sights[0]?.blind).toBe(true);
  });
});
