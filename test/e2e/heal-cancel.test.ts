// Temporal's own cancellation of a heal (WorkflowHandle.cancel, as the Web UI's "Cancel" does), end to end: a
// scale_service heal is cancelled while it verifies, after its replicas exist; compensation runs in a non-cancellable
// scope and removes exactly those replicas, the audit says so, and the workflow closes as CANCELLED.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServiceContainer, docker, waitFor } from '../helpers/containers';
import { auditOf, cleanUpService, healBody } from '../helpers/heal';
import { startHttpTarget, type HttpTarget } from '../helpers/http-target';
import { startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
let driver: Driver;
let http: HttpTarget;
let temporal: Client;
const service = `cancel-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  http = await startHttpTarget();
  stack = await startTestStack({ VERIFY_HTTP_ALLOWLIST: http.prefix });
  driver = neo4j.driver(stack.config.neo4j.uri);
  temporal = new Client({ connection: await Connection.connect({ address: stack.config.temporal.address }) });
});

afterAll(async () => {
  await cleanUpService(driver, service);
  await driver?.close();
  await temporal?.connection.close();
  await stack?.stop();
  await http?.close();
});

const replicasOf = (key: string) => docker.listContainers({ all: true, filters: { label: [`selfheal.heal=${key}`] } });

it('a heal cancelled through Temporal while it verifies removes its replicas and closes as CANCELLED', async () => {
  const template = await createServiceContainer(service);
  // The probe is held unanswered: verification is still running when the cancellation arrives.
  const release = http.hold(service);
  const res = await stack.call(
    'POST',
    '/api/self_healing/heal',
    healBody(service, 'scale_service', { replicas: 2, context: { services: [service], containers: [template.name] }, verify: [{ name: 'http_probe', params: { url: http.url(service), timeout_ms: 30_000 } }] }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const key = `${res.body.plan.attempt_id}-0`;
  await waitFor(async () => (await replicasOf(key)).filter((r) => r.State === 'running').length === 2, 60_000, 'two running replicas');
  // Running replicas exist before the scale action has returned; the held probe shows the heal has recorded the
  // action and is verifying.
  await waitFor(async () => http.heldRequests(service) > 0, 60_000, 'verification probing the service');

  const handle = temporal.workflow.getHandle(res.body.workflow_id);
  await handle.cancel();
  release(200);
  await waitFor(async () => (await handle.describe()).status.name !== 'RUNNING', 60_000, 'the workflow closed');
  expect((await handle.describe()).status.name).toBe('CANCELLED');
  expect(await replicasOf(key)).toHaveLength(0);
  expect((await docker.getContainer(template.name).inspect()).State.Running).toBe(true);

  const audit = await auditOf(driver, res.body.plan.attempt_id);
  expect(audit.attempt).toMatchObject({ outcome: 'cancelled' });
  const steps = audit.steps.map((s) => s.step);
  expect(steps).toEqual(expect.arrayContaining(['action_completed', 'rollback_started', 'rollback_step', 'completed']));
  expect(audit.steps.find((s) => s.step === 'rollback_step')!.detail).toBe('removed 2 replica(s) added by this heal');
});
