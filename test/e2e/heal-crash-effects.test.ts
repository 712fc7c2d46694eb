// A worker killed with SIGKILL while it creates replicas, and while it compensates: a new worker finishes the heal and
// the effect happened exactly once (exactly the replicas asked for; exactly the replicas removed, the template left).
// Each action and each compensation is idempotent (replicas are named and labelled by attempt and step), which is
// what makes a retry after a crash safe.
import { randomUUID } from 'node:crypto';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServiceContainer, docker, waitFor } from '../helpers/containers';
import { auditOf, cleanUpService, healBody, healStatus, waitForHeal } from '../helpers/heal';
import { startHttpTarget, type HttpTarget } from '../helpers/http-target';
import { startTestStack, startTestWorker, type TestStack } from '../helpers/stack';
import { spawnWorker } from '../helpers/worker-process';

const settings = { HEAL_BUDGET_MAX: '10000', VERIFY_INTERVAL_SECONDS: '1', VERIFY_ATTEMPTS: '3' };
let stack: TestStack;
let driver: Driver;
let http: HttpTarget;
const services: string[] = [];
const replacements: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  http = await startHttpTarget();
  stack = await startTestStack({ ...settings, VERIFY_HTTP_ALLOWLIST: http.prefix }, { worker: false });
  driver = neo4j.driver(stack.config.neo4j.uri);
});

afterAll(async () => {
  for (const r of replacements) await r.stop();
  for (const service of services) await cleanUpService(driver, service);
  await driver?.close();
  await stack?.stop();
  await http?.close();
});

function newService(): string {
  const service = `crash-fx-${randomUUID().slice(0, 8)}`;
  services.push(service);
  return service;
}

const replicasOf = (key: string) => docker.listContainers({ all: true, filters: { label: [`selfheal.heal=${key}`] } });
const containersOf = (service: string) => docker.listContainers({ all: true, filters: { label: [`selfheal.service=${service}`] } });

it('a worker killed while it creates replicas: the new worker completes the step with exactly the replicas asked for', async () => {
  const worker = await spawnWorker(stack.config, { ...settings, VERIFY_HTTP_ALLOWLIST: http.prefix });
  const service = newService();
  const template = await createServiceContainer(service);
  const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'scale_service', { replicas: 2, context: { services: [service], containers: [template.name] }, verify: [{ name: 'container_health', params: { hold_seconds: 1 } }] }));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const key = `${res.body.plan.attempt_id}-0`;
  // The first replica exists: the step is under way (or, on a fast engine, just done).
  await waitFor(async () => (await replicasOf(key)).length >= 1, 60_000, 'the first replica');
  await worker.kill9();
  replacements.push(await startTestWorker(stack.config));

  const done = await waitForHeal(stack, res.body.workflow_id, undefined, 180_000);
  expect(done.outcome).toBe('verified');
  expect((await replicasOf(key)).map((r) => r.State)).toEqual(['running', 'running']);
  expect(await containersOf(service)).toHaveLength(3);
  const audit = await auditOf(driver, done.attempt_id);
  expect(audit.steps.filter((s) => s.step === 'action_completed')).toHaveLength(1);
});

it('a worker killed while it compensates: the new worker finishes the rollback, removing exactly the replicas added', async () => {
  const worker = await spawnWorker(stack.config, { ...settings, VERIFY_HTTP_ALLOWLIST: http.prefix });
  const service = newService();
  const template = await createServiceContainer(service);
  http.answer(service, 500);
  const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'scale_service', { replicas: 2, context: { services: [service], containers: [template.name] }, verify: [{ name: 'http_probe', params: { url: http.url(service) } }] }));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const key = `${res.body.plan.attempt_id}-0`;
  await waitFor(async () => (await healStatus(stack, res.body.workflow_id)).steps.some((s) => s.step === 'rollback_started'), 120_000, 'the rollback started');
  await worker.kill9();
  replacements.push(await startTestWorker(stack.config));

  const done = await waitForHeal(stack, res.body.workflow_id, undefined, 180_000);
  expect(done.outcome).toBe('rolled_back');
  expect(await replicasOf(key)).toHaveLength(0);
  expect((await containersOf(service)).map((c) => c.Names[0])).toEqual([`/${template.name}`]);
  expect((await docker.getContainer(template.name).inspect()).State.Running).toBe(true);
  const audit = await auditOf(driver, done.attempt_id);
  expect(audit.steps.filter((s) => s.step === 'rollback_step')).toHaveLength(1);
});
