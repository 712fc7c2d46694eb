// Nothing lost when a server blips during a heal. The real Neo4j and RabbitMQ are stopped and started with
// scripts/services.sh while a real heal runs (always restarted in finally): the heal completes, every step is in
// Neo4j exactly once, and every event reaches a durable consumer and a Socket.IO client, exactly once after dedupe.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EventEnvelope } from '../../src/domain/events';
import { removeContainers, waitFor } from '../helpers/containers';
import { durableTap, tapSocket } from '../helpers/events';
import { hasStep, healStatus, startRestartHeal, waitForHeal, type HealView } from '../helpers/heal';
import { deleteServices } from '../helpers/neo4j';
import { startTestStack, type TestStack } from '../helpers/stack';

const services: string[] = [];
let stack: TestStack;
let driver: Driver;

beforeAll(async () => {
  stack = await startTestStack({ HEAL_BUDGET_MAX: '10000' });
  driver = neo4j.driver(stack.config.neo4j.uri);
});

afterAll(async () => {
  serviceScript('up', 'neo4j');
  serviceScript('up', 'rabbitmq');
  for (const service of services) await removeContainers({ label: `selfheal.service=${service}` });
  if (driver) await deleteServices({ driver, database: stack.config.neo4j.database }, services);
  await driver?.close();
  await stack?.stop();
});

function serviceScript(action: 'up' | 'down', name: 'neo4j' | 'rabbitmq'): void {
  const repo = path.resolve(__dirname, '../..');
  execFileSync('bash', [path.join(repo, 'scripts/services.sh'), action, name], { cwd: repo, stdio: 'inherit' });
}

function newService(): string {
  const service = `faults-${randomUUID().slice(0, 8)}`;
  services.push(service);
  return service;
}

/** Waits until the heal has restarted the container: the outage then hits the verification and its records. */
const untilActed = (workflowId: string) => waitForHeal(stack, workflowId, hasStep('action_completed'), 60_000);
const untilCompleted = (workflowId: string) => waitForHeal(stack, workflowId, undefined, 180_000);

async function stepsInNeo4j(attemptId: string): Promise<{ id: string; seq: number; step: string }[]> {
  const { records } = await driver.executeQuery(
    'MATCH (:HealingAttempt {id: $attemptId})-[:HAS_STEP]->(st:HealStep) RETURN st.id AS id, st.seq AS seq, st.step AS step ORDER BY seq',
    { attemptId },
  );
  return records.map((r) => ({ id: r.get('id'), seq: r.get('seq').toNumber(), step: r.get('step') }));
}

/** Every step of the workflow's status is in Neo4j once, numbered 1..n without gaps. */
async function expectStepsExactlyOnce(attemptId: string, status: HealView) {
  const stored = await stepsInNeo4j(attemptId);
  expect(stored.map((s) => s.seq)).toEqual(stored.map((_, i) => i + 1));
  expect(new Set(stored.map((s) => s.id)).size).toBe(stored.length);
  expect(stored.map((s) => [s.seq, s.step])).toEqual(status.steps.map((s) => [s.seq, s.step]));
  return stored;
}

it('Neo4j stopped while a heal verifies: the heal completes and every step is recorded exactly once', async () => {
  const heal = await startRestartHeal(stack, newService(), 6);
  await untilActed(heal.workflowId);
  try {
    serviceScript('down', 'neo4j');
    // The journal cannot record: the heal waits for the store instead of going on unrecorded.
    const stuck = await healStatus(stack, heal.workflowId);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await healStatus(stack, heal.workflowId)).steps.length).toBe(stuck.steps.length);
    expect(stuck.phase).not.toBe('completed');
  } finally {
    serviceScript('up', 'neo4j');
  }
  const status = await untilCompleted(heal.workflowId);
  expect(status.outcome).toBe('verified');
  await expectStepsExactlyOnce(heal.attemptId, status);
  const { records } = await driver.executeQuery(
    'MATCH (a:HealingAttempt {id: $id}) RETURN a.outcome AS outcome, a.verified AS verified, a.finishedAt IS NOT NULL AS finished',
    { id: heal.attemptId },
  );
  expect(records.map((r) => [r.get('outcome'), r.get('verified'), r.get('finished')])).toEqual([['verified', true, true]]);
});

it('RabbitMQ stopped while a heal verifies: every event reaches the consumers, exactly once after dedupe by id', async () => {
  const tap = await durableTap(stack.config, `test-faults-${randomUUID()}`, 'self_healing.heal.#');
  const service = newService();
  const socket = await tapSocket(stack.baseUrl, stack.token('viewer'), { service });
  try {
    const heal = await startRestartHeal(stack, service, 6);
    await untilActed(heal.workflowId);
    try {
      serviceScript('down', 'rabbitmq');
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      serviceScript('up', 'rabbitmq');
    }
    await tap.reconnect();
    const status = await untilCompleted(heal.workflowId);
    expect(status.outcome).toBe('verified');
    const stored = await expectStepsExactlyOnce(heal.attemptId, status);
    const stepIds = new Set(stored.map((s) => s.id));
    const ofHeal = (events: EventEnvelope[]) => events.filter((e) => e.workflowId === heal.workflowId).map((e) => e.id);

    await waitFor(async () => new Set(ofHeal(tap.received)).size === stepIds.size, 30_000, 'every event on the durable queue');
    // At least once on the queue; deduplicated by id, exactly the steps in Neo4j.
    expect(new Set(ofHeal(tap.received))).toEqual(stepIds);

    // The API's relay feed reconnected and dedupes: its client sees each event exactly once.
    await waitFor(async () => new Set(ofHeal(socket.events.map((e) => e.envelope))).size === stepIds.size, 30_000, 'every event on Socket.IO');
    const relayed = ofHeal(socket.events.map((e) => e.envelope));
    expect(relayed).toHaveLength(stepIds.size);
    expect(new Set(relayed)).toEqual(stepIds);
  } finally {
    socket.close();
    await tap.close();
  }
});
