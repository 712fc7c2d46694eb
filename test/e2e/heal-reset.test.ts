// What an operator does in the Temporal Web UI, done through the Temporal client: find heals by their search
// attributes, and reset a failed heal once its cause is fixed. The reset run completes verified, and the audit keeps
// one attempt whose steps tell both runs apart, none recorded twice.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchAttributes } from '../../workflows/definitions';
import { createServiceContainer, docker, waitFor } from '../helpers/containers';
import { auditOf, cleanUpService, healBody, waitForHeal } from '../helpers/heal';
import { startHttpTarget, type HttpTarget } from '../helpers/http-target';
import { startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
let connection: Connection;
let client: Client;
let driver: Driver;
let http: HttpTarget;
const services: string[] = [];

function newService(): string {
  const service = `reset-${randomUUID().slice(0, 8)}`;
  services.push(service);
  return service;
}

/** Workflows the visibility query matches, once visibility (eventually consistent) has caught up. */
async function listed(query: string, expected: number) {
  let found: { workflowId: string; runId: string; attrs: Record<string, unknown> }[] = [];
  await waitFor(
    async () => {
      found = [];
      for await (const w of client.workflow.list({ query })) {
        const attrs = Object.fromEntries(Object.entries(searchAttributes).map(([name, key]) => [name, w.typedSearchAttributes.get(key)]));
        found.push({ workflowId: w.workflowId, runId: w.runId, attrs });
      }
      return found.length === expected;
    },
    20_000,
    `${expected} workflow(s) for ${query}`,
  );
  return found;
}

beforeAll(async () => {
  http = await startHttpTarget();
  stack = await startTestStack({ VERIFY_HTTP_ALLOWLIST: http.prefix, VERIFY_ATTEMPTS: '3' });
  connection = await Connection.connect({ address: stack.config.temporal.address });
  client = new Client({ connection, namespace: stack.config.temporal.namespace });
  driver = neo4j.driver(stack.config.neo4j.uri);
});

afterAll(async () => {
  for (const service of services) await cleanUpService(driver, service);
  await driver?.close();
  await connection?.close();
  await stack?.stop();
  await http?.close();
});

describe.concurrent('the Temporal Web UI', () => {
  it('finds a heal by its search attributes', async () => {
    const service = newService();
    const c = await createServiceContainer(service);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'rolling_restart', { context: { services: [service], containers: [c.name] }, verify: [{ name: 'container_health' }] }));
    expect(res.status).toBe(202);
    expect((await waitForHeal(stack, res.body.workflow_id)).outcome).toBe('verified');

    const [found] = await listed(`SelfhealService = "${service}" AND SelfhealOutcome = "verified"`, 1);
    expect(found).toMatchObject({
      workflowId: res.body.workflow_id,
      runId: res.body.run_id,
      attrs: { service, issueType: 'degradation', strategy: 'rolling_restart', dryRun: false, outcome: 'verified' },
    });
    await listed(`SelfhealService = "${service}" AND SelfhealOutcome = "rolled_back"`, 0);
  });

  it('a heal that failed and rolled back, reset once its cause is fixed, completes verified as the same attempt', async () => {
    const service = newService();
    const template = await createServiceContainer(service);
    http.answer(service, 500);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'scale_service', { context: { services: [service], containers: [template.name] }, verify: [{ name: 'http_probe', params: { url: http.url(service) } }] }));
    expect(res.status).toBe(202);
    const { workflow_id: workflowId, run_id: firstRunId } = res.body;
    const failed = await waitForHeal(stack, workflowId);
    expect(failed).toMatchObject({ outcome: 'rolled_back', workflow_status: 'FAILED' });
    const replicas = () => docker.listContainers({ all: true, filters: { label: [`selfheal.heal=${firstRunId}-0`] } });
    expect(await replicas()).toHaveLength(0);

    // The cause is fixed; the operator resets the heal to its first workflow task ("Reset" in the Web UI).
    http.answer(service, 200);
    const history = await client.workflow.getHandle(workflowId, firstRunId).fetchHistory();
    const firstTask = history.events!.find((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)!;
    const { runId: resetRunId } = await client.workflowService.resetWorkflowExecution({
      namespace: stack.config.temporal.namespace,
      workflowExecution: { workflowId, runId: firstRunId },
      reason: 'probe fixed: redo the heal',
      workflowTaskFinishEventId: firstTask.eventId,
      requestId: randomUUID(),
    });
    expect(resetRunId).not.toBe(firstRunId);

    const done = await waitForHeal(stack, workflowId, (s) => s.run_id === resetRunId && s.workflow_status === 'COMPLETED');
    expect(done).toMatchObject({ outcome: 'verified', attempt_id: firstRunId });
    expect((await replicas()).map((r) => r.State)).toEqual(['running']);
    const [found] = await listed(`SelfhealService = "${service}" AND SelfhealOutcome = "verified"`, 1);
    expect(found!.runId).toBe(resetRunId);

    // One attempt; the failed run's steps, then the reset run's, each recorded once, numbered without gaps.
    const audit = await auditOf(driver, firstRunId);
    expect(audit.attempt).toMatchObject({ id: firstRunId, outcome: 'verified', verified: true, applied: true });
    expect(audit.steps.map((s) => s.seq)).toEqual(audit.steps.map((_, i) => i + 1));
    expect(audit.steps).toHaveLength(failed.steps.length + done.steps.length);
    const runOf = (s: Record<string, any>) => String(s.id).split(':')[0];
    expect(audit.steps.slice(0, failed.steps.length).every((s) => runOf(s) === firstRunId)).toBe(true);
    expect(audit.steps.slice(failed.steps.length).every((s) => runOf(s) === resetRunId)).toBe(true);
    expect(audit.steps.slice(failed.steps.length).map((s) => s.step)).toEqual(done.steps.map((s) => s.step));
    expect(audit.steps.map((s) => s.step)).toEqual(expect.arrayContaining(['verification_failed', 'rollback_step', 'verified']));
    // The learner keeps the strategy's first, unaided result: the reset run followed a person's fix.
    expect(audit.outcome).toMatchObject({ strategy: 'scale_service', success: false });
  });
});
