// Each strategy's real effect on the real engine and broker, verified, and its rollback when verification fails:
// scale_service (replicas added, then exactly those removed), apply_backpressure (a max-length policy on a real
// queue, kept when verified, removed when not) and rolling_restart (one container at a time, each healthy first).
// restart_unhealthy's success path is in heal-flow.test.ts, its failure paths in heal-failures.test.ts.
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueControl } from '../../src/main/adapters';
import type { RabbitQueueControl } from '../../src/adapters/rabbitmq/queue-control';
import { createServiceContainer, docker, waitFor } from '../helpers/containers';
import { auditOf, cleanUpService, healBody, waitForHeal, watchDockerEvents } from '../helpers/heal';
import { startHttpTarget, type HttpTarget } from '../helpers/http-target';
import { deleteTopology } from '../helpers/rabbitmq';
import { startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
let driver: Driver;
let http: HttpTarget;
let queues: RabbitQueueControl;
const services: string[] = [];
const createdQueues: string[] = [];

function newService(): string {
  const service = `strat-${randomUUID().slice(0, 8)}`;
  services.push(service);
  return service;
}

async function newQueue(): Promise<string> {
  const name = `selfheal-test-bp-${randomUUID().slice(0, 8)}`;
  const connection = await amqp.connect(stack.config.rabbitmq.url);
  const channel = await connection.createChannel();
  await channel.assertQueue(name, { durable: false });
  await connection.close();
  createdQueues.push(name);
  return name;
}

const replicasOf = (key: string) => docker.listContainers({ all: true, filters: { label: [`selfheal.heal=${key}`] } });
const state = async (name: string) => {
  const i = await docker.getContainer(name).inspect();
  return { startedAt: i.State.StartedAt, restarts: i.RestartCount, status: i.State.Status };
};

beforeAll(async () => {
  http = await startHttpTarget();
  stack = await startTestStack({ VERIFY_HTTP_ALLOWLIST: http.prefix, VERIFY_ATTEMPTS: '3' });
  driver = neo4j.driver(stack.config.neo4j.uri);
  queues = queueControl(stack.config);
});

afterAll(async () => {
  for (const q of createdQueues) await queues.releaseBackpressure(q);
  await deleteTopology([], createdQueues);
  for (const service of services) await cleanUpService(driver, service);
  await driver?.close();
  await stack?.stop();
  await http?.close();
});

describe.concurrent('scale_service', () => {
  it('adds the replicas, verifies them healthy and leaves the template untouched', async () => {
    const service = newService();
    const template = await createServiceContainer(service);
    const before = await state(template.name);
    const verify = [{ name: 'all', params: { verifiers: [{ name: 'container_health', params: { hold_seconds: 1 } }, { name: 'http_probe', params: { url: http.url(service) } }] } }];
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'scale_service', { replicas: 2, context: { services: [service], containers: [template.name] }, verify }));
    expect(res.status).toBe(202);
    expect(res.body.plan.steps).toMatchObject([{ action: 'scale_up', params: { replicas: 2, template: template.id }, rollback: { action: 'remove_replicas' } }]);

    const done = await waitForHeal(stack, res.body.workflow_id);
    expect(done.outcome).toBe('verified');
    const replicas = await replicasOf(`${done.attempt_id}-0`);
    expect(replicas).toHaveLength(2);
    for (const r of replicas) expect((await docker.getContainer(r.Id).inspect()).State.Health?.Status).toBe('healthy');
    expect(await state(template.name)).toEqual(before);
    const audit = await auditOf(driver, done.attempt_id);
    expect(audit.attempt).toMatchObject({ outcome: 'verified', applied: true, verified: true });
    expect(audit.outcome).toMatchObject({ strategy: 'scale_service', success: true });
  });

  it('when verification fails (the probe answers 500), removes exactly the replicas it added', async () => {
    const service = newService();
    const template = await createServiceContainer(service);
    // A replica an earlier heal left behind: same service, another heal key. It must survive this rollback.
    const earlier = await docker.createContainer({
      name: `${template.name}-earlier`,
      Image: stack.config.docker.image,
      Cmd: ['sleep', '1000000'],
      Labels: { 'selfheal.service': service, 'selfheal.heal': 'an-earlier-heal-0' },
      HostConfig: { NetworkMode: 'none' },
    });
    await earlier.start();
    const before = await state(template.name);
    http.answer(service, 500);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'scale_service', { replicas: 2, context: { services: [service], containers: [template.name] }, verify: [{ name: 'http_probe', params: { url: http.url(service) } }] }));
    expect(res.status).toBe(202);
    const key = `${res.body.plan.attempt_id}-0`;
    // While verification runs, the replicas really exist.
    await waitFor(async () => (await replicasOf(key)).filter((r) => r.State === 'running').length === 2, 30_000, 'two running replicas');
    const done = await waitForHeal(stack, res.body.workflow_id);
    expect(done.outcome).toBe('rolled_back');
    expect(done.workflow_status).toBe('FAILED');
    expect(done.reasons).toContain('verification failed');
    expect(await replicasOf(key)).toHaveLength(0);
    expect((await docker.getContainer(earlier.id).inspect()).State.Running).toBe(true);
    expect(await state(template.name)).toEqual(before);
    const audit = await auditOf(driver, done.attempt_id);
    expect(audit.steps.map((s) => s.step)).toEqual(expect.arrayContaining(['verification_failed', 'rollback_started', 'rollback_step', 'completed']));
    expect(audit.steps.find((s) => s.step === 'rollback_step')!.detail).toBe('removed 2 replica(s) added by this heal');
    expect(audit.outcome).toMatchObject({ strategy: 'scale_service', success: false });
  });
});

describe.concurrent('apply_backpressure', () => {
  it('puts a max-length policy on the queue and, once verified, leaves it in place', async () => {
    const service = newService();
    const queue = await newQueue();
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'apply_backpressure', { max_length: 3, context: { services: [service], queues: [queue] }, verify: [{ name: 'http_probe', params: { url: http.url(service) } }] }));
    expect(res.status).toBe(202);
    const done = await waitForHeal(stack, res.body.workflow_id);
    expect(done.outcome).toBe('verified');
    // The management API reports the policy once the broker applied it to the queue.
    await waitFor(async () => (await queues.getQueue(queue))?.policy === `selfheal-backpressure-${queue}`, 15_000, 'the policy on the queue');
    expect(await queues.getQueue(queue)).toMatchObject({ maxLength: 3 });
  });

  it('when verification fails, removes the policy it applied', async () => {
    const service = newService();
    const queue = await newQueue();
    // Verification's probe is held unanswered until the test has seen the policy on the queue, then fails: on a fast
    // machine the policy would otherwise be applied and removed between two polls of the management API.
    const failVerification = http.hold(service);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'apply_backpressure', { max_length: 2, context: { services: [service], queues: [queue] }, verify: [{ name: 'http_probe', params: { url: http.url(service), timeout_ms: 30_000 } }] }));
    expect(res.status).toBe(202);
    await waitFor(async () => (await queues.getQueue(queue))?.maxLength === 2, 25_000, 'the policy applied');
    failVerification(500);
    const done = await waitForHeal(stack, res.body.workflow_id);
    expect(done.outcome).toBe('rolled_back');
    await waitFor(async () => (await queues.getQueue(queue))?.policy === null, 15_000, 'the policy removed');
    expect(await queues.getQueue(queue)).toMatchObject({ maxLength: null });
  });
});

describe.concurrent('rolling_restart', () => {
  it('restarts each allowed container once, one at a time, each healthy before the next', async () => {
    const service = newService();
    const containers = await Promise.all([0, 1, 2].map((i) => createServiceContainer(service, `selfheal-test-${service}-${i}`)));
    const names = containers.map((c) => c.name);
    const watch = await watchDockerEvents(names);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'rolling_restart', { context: { services: [service], containers: names }, verify: [{ name: 'container_health', params: { hold_seconds: 1 } }] }));
    expect(res.status).toBe(202);
    expect(res.body.plan.steps.map((s: { target: { name: string } }) => s.target.name)).toEqual(names);
    const done = await waitForHeal(stack, res.body.workflow_id);
    watch.stop();
    expect(done.outcome).toBe('verified');

    const { events } = watch;
    const starts = names.map((n) => events.filter((e) => e.name === n && e.action === 'start'));
    for (const s of starts) expect(s).toHaveLength(1);
    for (let i = 0; i + 1 < names.length; i++) {
      const started = starts[i]![0]!.timeNano;
      const healthy = events.find((e) => e.name === names[i] && e.action === 'health_status: healthy' && e.timeNano > started);
      const nextStopped = events.find((e) => e.name === names[i + 1] && (e.action === 'kill' || e.action === 'die'));
      expect(healthy, `${names[i]} healthy after its restart`).toBeDefined();
      expect(started).toBeLessThan(starts[i + 1]![0]!.timeNano);
      expect(healthy!.timeNano).toBeLessThan(nextStopped!.timeNano);
    }
  });
});

describe('scale_and_throttle (two steps)', () => {
  it('when verification fails, undoes both steps in reverse order: the backpressure first, then the replica', async () => {
    const service = newService();
    const template = await createServiceContainer(service);
    const queue = await newQueue();
    http.answer(service, 500);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'scale_and_throttle', { max_length: 4, context: { services: [service], containers: [template.name], queues: [queue] }, verify: [{ name: 'http_probe', params: { url: http.url(service) } }] }));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.plan.steps.map((s: { action: string; rollback: { action: string } }) => [s.action, s.rollback.action])).toEqual([
      ['scale_up', 'remove_replicas'],
      ['apply_backpressure', 'release_backpressure'],
    ]);
    const done = await waitForHeal(stack, res.body.workflow_id);
    expect(done.outcome).toBe('rolled_back');
    expect(await replicasOf(`${done.attempt_id}-0`)).toHaveLength(0);
    await waitFor(async () => (await queues.getQueue(queue))?.policy === null, 15_000, 'the policy removed');
    expect(await state(template.name)).toMatchObject({ status: 'running' });

    const audit = await auditOf(driver, done.attempt_id);
    const applied = audit.steps.filter((s) => s.step === 'action_completed').map((s) => JSON.parse(s.data).index);
    const undone = audit.steps.filter((s) => s.step === 'rollback_step').map((s) => JSON.parse(s.data).index);
    expect(applied).toEqual([0, 1]);
    expect(undone).toEqual([1, 0]);
    // Seq order is time order: the backpressure was released before the replica was removed.
    const rollbackSteps = audit.steps.filter((s) => s.step === 'rollback_step');
    expect(rollbackSteps[0]!.seq).toBeLessThan(rollbackSteps[1]!.seq);
    expect(rollbackSteps[0]!.detail).toMatch(/backpressure/);
    expect(rollbackSteps[1]!.detail).toBe('removed 1 replica(s) added by this heal');
  });
});
