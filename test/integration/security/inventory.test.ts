// Issue #15's attacks, tried as a hostile operator would, against the real stack: each is refused, the refusal is
// audited, and nothing was touched (container StartedAt, queue policies). Also: backpressure composes with the
// queue's own policy and restores it exactly, is lifted after HEAL_BACKPRESSURE_RELEASE_SECONDS even when verified,
// four eyes on approvals, and an analysis dated in the future.
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayQueueName } from '../../../src/adapters/rabbitmq/event-feed';
import { createServiceContainer, docker, removeContainers, waitFor } from '../../helpers/containers';
import { auditOf, cleanUpService, hasStep, healBody, waitForHeal } from '../../helpers/heal';
import { startHttpTarget, type HttpTarget } from '../../helpers/http-target';
import { deleteTopology } from '../../helpers/rabbitmq';
import { startTestStack, type TestStack } from '../../helpers/stack';

const run = randomUUID().slice(0, 8);
const IMAGE = process.env.DEMO_IMAGE ?? 'selfheal/busybox:1';
const CMD = ['sh', '-c', 'trap "exit 0" TERM INT; sleep 1000000 & wait $!'];
let stack: TestStack;
let driver: Driver;
let http: HttpTarget;
const services: string[] = [];
const queues: string[] = [];
const ownPolicies: string[] = [];

function newService(prefix = 'secinv'): string {
  const service = `${prefix}-${randomUUID().slice(0, 8)}`;
  services.push(service);
  return service;
}

/** A running container made without the test helper's labels: exactly the labels given (plus a cleanup marker). */
async function rawContainer(labels: Record<string, string>) {
  const name = `selfheal-sec-raw-${randomUUID().slice(0, 8)}`;
  const c = await docker.createContainer({ name, Image: IMAGE, Cmd: CMD, Labels: { ...labels, 'selfheal.sec-run': run }, HostConfig: { NetworkMode: 'none' } });
  await c.start();
  return { name, id: c.id };
}

const startedAt = async (ref: string) => (await docker.getContainer(ref).inspect()).State.StartedAt;

const mgmt = () => ({ base: stack.config.rabbitmq.managementUrl, auth: `Basic ${Buffer.from(`${stack.config.rabbitmq.managementUser}:${stack.config.rabbitmq.managementPassword}`).toString('base64')}` });
async function rabbit(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const { base, auth } = mgmt();
  const res = await fetch(`${base}${path}`, { method, headers: { authorization: auth, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
const vhost = () => encodeURIComponent(stack.config.rabbitmq.vhost);
const policiesFor = async (queue: string) =>
  ((await rabbit('GET', `/api/policies/${vhost()}`)).body as { name: string; pattern: string; definition: unknown; priority: number }[])
    .filter((p) => new RegExp(p.pattern).test(queue))
    .sort((a, b) => a.name.localeCompare(b.name));
const queueInfo = async (queue: string) => (await rabbit('GET', `/api/queues/${vhost()}/${encodeURIComponent(queue)}`)).body as { policy?: string; effective_policy_definition?: Record<string, unknown> };

async function newQueue(): Promise<string> {
  const name = `selfheal-test-sec-${randomUUID().slice(0, 8)}`;
  const connection = await amqp.connect(stack.config.rabbitmq.url);
  await (await connection.createChannel()).assertQueue(name, { durable: false });
  await connection.close();
  queues.push(name);
  return name;
}

/** The refusal recorded in Neo4j for a 422's attempt. */
async function refusalRecorded(attemptId: string) {
  let audit: Awaited<ReturnType<typeof auditOf>> | undefined;
  await waitFor(async () => {
    audit = await auditOf(driver, attemptId).catch(() => undefined);
    return audit?.attempt.outcome === 'refused';
  }, 30_000, `refused attempt ${attemptId} in Neo4j`);
  return audit!;
}

async function expectRefused(res: { status: number; body: any }, check: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(422);
  expect(res.body.reasons.some((r: string) => r.startsWith(`${check}:`)), JSON.stringify(res.body.reasons)).toBe(true);
  const audit = await refusalRecorded(res.body.run_id);
  expect(audit.attempt.reasons).toEqual(res.body.reasons);
  expect(audit.steps.map((s) => s.step)).toContain('refused');
  expect(audit.steps.map((s) => s.step)).not.toContain('action_started');
  return res.body.reasons as string[];
}

beforeAll(async () => {
  http = await startHttpTarget();
  // MAX_SERVICES 1: the shared Neo4j always tracks more, so any new service's analysis is refused.
  stack = await startTestStack({ VERIFY_HTTP_ALLOWLIST: http.prefix, VERIFY_ATTEMPTS: '3', HEAL_BACKPRESSURE_RELEASE_SECONDS: '3', MAX_SERVICES: '1', ANALYZE_MAX_FUTURE_SECONDS: '300' });
  driver = neo4j.driver(stack.config.neo4j.uri);
}, 60_000);

afterAll(async () => {
  await removeContainers({ label: `selfheal.sec-run=${run}` });
  for (const p of ownPolicies) await rabbit('DELETE', `/api/policies/${vhost()}/${encodeURIComponent(p)}`).catch(() => undefined);
  for (const q of queues) await rabbit('DELETE', `/api/policies/${vhost()}/${encodeURIComponent(`selfheal-backpressure-${q}`)}`).catch(() => undefined);
  await deleteTopology([], queues);
  for (const s of services) await cleanUpService(driver, s);
  await driver?.close();
  await stack?.stop();
  await http?.close();
});

describe('containers outside the inventory', () => {
  it('an unlabelled container (as Neo4j, RabbitMQ or Temporal are) is refused with 422, audited, and not restarted, under any service name', async () => {
    const infra = await rawContainer({});
    const before = await startedAt(infra.id);
    for (const service of [newService(), newService()]) {
      const reasons = await expectRefused(
        await stack.call('POST', '/api/self_healing/heal', healBody(service, 'rolling_restart', { context: { services: [service], containers: [infra.name] } })),
        'containers_managed',
      );
      expect(reasons.join(' ')).toContain(`${infra.name} has no selfheal.service label`);
    }
    expect(await startedAt(infra.id)).toBe(before);
  }, 120_000);

  it('a labelled container of an unmanaged service, one marked as infrastructure, and a protected service name are refused', async () => {
    const unmanaged = newService();
    const c1 = await rawContainer({ 'selfheal.service': unmanaged });
    const infraService = newService();
    const c2 = await rawContainer({ 'selfheal.service': infraService, 'selfheal.managed': 'true', 'selfheal.infrastructure': 'true' });
    const protectedService = newService('rabbitmq');
    const c3 = await rawContainer({ 'selfheal.service': protectedService, 'selfheal.managed': 'true' });
    const before = await Promise.all([c1, c2, c3].map((c) => startedAt(c.id)));

    expect((await expectRefused(await stack.call('POST', '/api/self_healing/heal', healBody(unmanaged, 'rolling_restart', { context: { services: [unmanaged], containers: [c1.name] } })), 'containers_managed')).join(' ')).toContain('is not managed');
    expect((await expectRefused(await stack.call('POST', '/api/self_healing/heal', healBody(infraService, 'rolling_restart', { context: { services: [infraService], containers: [c2.name] } })), 'containers_managed')).join(' ')).toContain('selfheal infrastructure');
    await expectRefused(await stack.call('POST', '/api/self_healing/heal', healBody(protectedService, 'rolling_restart', { context: { services: [protectedService], containers: [c3.name] } })), 'service_managed');
    // Scaling an unmanaged service: no template qualifies, so nothing is cloned.
    await expectRefused(await stack.call('POST', '/api/self_healing/heal', healBody(unmanaged, 'scale_service', { context: { services: [unmanaged] } })), 'has_targets');

    expect(await Promise.all([c1, c2, c3].map((c) => startedAt(c.id)))).toEqual(before);
    expect(await docker.listContainers({ all: true, filters: { label: [`selfheal.replica-of=${c1.id}`] } })).toEqual([]);
  }, 120_000);
});

describe('queues outside the allowlist', () => {
  it("selfheal's own relay queue, another queue, and max_length 0 are refused; no policy changes", async () => {
    const service = newService();
    const relay = relayQueueName(stack.config.api.instanceId);
    const other = `sec-other-${run}`;
    const connection = await amqp.connect(stack.config.rabbitmq.url);
    await (await connection.createChannel()).assertQueue(other, { durable: false });
    await connection.close();
    queues.push(other);
    const before = { relay: await policiesFor(relay), other: await policiesFor(other), relayQueue: (await queueInfo(relay)).policy ?? null };

    const bp = (queue: string, extra: Record<string, unknown> = {}) =>
      stack.call('POST', '/api/self_healing/heal', healBody(service, 'apply_backpressure', { context: { services: [service], queues: [queue] }, verify: [{ name: 'http_probe', params: { url: http.url(service) } }], ...extra }));
    expect((await expectRefused(await bp(relay, { max_length: 1 }), 'queues_allowed')).join(' ')).toContain("is selfheal's own");
    expect((await expectRefused(await bp(other), 'queues_allowed')).join(' ')).toContain(`not in the allowlist of ${service}`);
    const zero = await bp(await newQueue(), { max_length: 0 });
    expect(zero.status).toBe(400);
    expect(zero.body).toMatchObject({ field: 'max_length' });

    expect({ relay: await policiesFor(relay), other: await policiesFor(other), relayQueue: (await queueInfo(relay)).policy ?? null }).toEqual(before);
  }, 120_000);
});

describe('backpressure and the queue’s own policy', () => {
  async function queueWithOwnPolicy() {
    const queue = await newQueue();
    const own = `sec-own-${randomUUID().slice(0, 8)}`;
    ownPolicies.push(own);
    const definition = { 'message-ttl': 60000, 'dead-letter-exchange': `sec-dlx-${run}` };
    expect((await rabbit('PUT', `/api/policies/${vhost()}/${own}`, { pattern: `^${queue}$`, 'apply-to': 'queues', priority: 5, definition })).status).toBeLessThan(300);
    await waitFor(async () => (await queueInfo(queue)).policy === own, 15_000, 'the own policy in effect');
    const ownBefore = (await rabbit('GET', `/api/policies/${vhost()}/${own}`)).body;
    return { queue, own, definition, ownBefore };
  }

  it('is merged with it while in place, and a rollback restores it exactly', async () => {
    const service = newService();
    const { queue, own, definition, ownBefore } = await queueWithOwnPolicy();
    http.answer(service, 500);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'apply_backpressure', { max_length: 2, context: { services: [service], queues: [queue] }, verify: [{ name: 'http_probe', params: { url: http.url(service) } }] }));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await waitForHeal(stack, res.body.workflow_id, hasStep('action_completed'));
    const ours = (await rabbit('GET', `/api/policies/${vhost()}/${encodeURIComponent(`selfheal-backpressure-${queue}`)}`)).body;
    expect(ours.definition).toEqual({ ...definition, 'max-length': 2, overflow: 'reject-publish' });
    expect(ours.priority).toBeGreaterThan(5);

    const done = await waitForHeal(stack, res.body.workflow_id);
    expect(done.outcome).toBe('rolled_back');
    await waitFor(async () => (await queueInfo(queue)).policy === own, 15_000, 'the own policy in effect again');
    expect((await queueInfo(queue)).effective_policy_definition).toEqual(definition);
    expect((await rabbit('GET', `/api/policies/${vhost()}/${own}`)).body).toEqual(ownBefore);
    expect((await rabbit('GET', `/api/policies/${vhost()}/${encodeURIComponent(`selfheal-backpressure-${queue}`)}`)).status).toBe(404);
  }, 120_000);

  it('is lifted HEAL_BACKPRESSURE_RELEASE_SECONDS after a verified heal, leaving the own policy as it was', async () => {
    const service = newService();
    const { queue, own, definition, ownBefore } = await queueWithOwnPolicy();
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'apply_backpressure', { max_length: 3, context: { services: [service], queues: [queue] }, verify: [{ name: 'http_probe', params: { url: http.url(service) } }] }));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const done = await waitForHeal(stack, res.body.workflow_id);
    expect(done.outcome).toBe('verified');
    expect(done.steps.find((s) => s.step === 'backpressure_release_scheduled')?.detail).toMatch(/lifted in 3s/);
    await waitFor(async () => (await queueInfo(queue)).policy === own, 30_000, 'the backpressure lifted');
    expect((await queueInfo(queue)).effective_policy_definition).toEqual(definition);
    expect((await rabbit('GET', `/api/policies/${vhost()}/${own}`)).body).toEqual(ownBefore);
  }, 120_000);
});

describe('four eyes', () => {
  it('the requester cannot approve (403, nothing done); an admin may override with a reason, which is audited', async () => {
    const service = newService();
    const c = await createServiceContainer(service);
    const before = await startedAt(c.id);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'rolling_restart', { require_approval: true, context: { services: [service], containers: [c.name] }, verify: [{ name: 'container_health' }] }), 'operator', 'alice');
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const id = res.body.workflow_id;
    await waitForHeal(stack, id, hasStep('approval_requested'));

    const self = await stack.call('POST', `/api/self_healing/heal/${id}/approve`, {}, 'operator', 'alice');
    expect(self.status).toBe(403);
    expect(self.body).toMatchObject({ error: 'four_eyes', message: expect.stringMatching(/alice requested this heal: another person must approve/) });
    const adminNoReason = await stack.call('POST', `/api/self_healing/heal/${id}/approve`, {}, 'admin', 'alice');
    expect(adminNoReason.status).toBe(403);
    const operatorOverride = await stack.call('POST', `/api/self_healing/heal/${id}/approve`, { override_reason: 'nobody else is on call' }, 'operator', 'alice');
    expect(operatorOverride.status).toBe(400);
    expect((await stack.call('GET', `/api/self_healing/heal/${id}`, undefined, 'viewer')).body.phase).toBe('awaiting_approval');
    expect(await startedAt(c.id)).toBe(before);

    const override = await stack.call('POST', `/api/self_healing/heal/${id}/approve`, { override_reason: 'nobody else is on call tonight' }, 'admin', 'alice');
    expect(override.status, JSON.stringify(override.body)).toBe(200);
    const done = await waitForHeal(stack, id);
    expect(done.outcome).toBe('verified');
    const audit = await auditOf(driver, done.attempt_id);
    const approved = audit.steps.find((s) => s.step === 'approved')!;
    expect(approved.detail).toContain('four-eyes override by admin alice, who requested it: nobody else is on call tonight');
    expect(await startedAt(c.id)).not.toBe(before);
  }, 180_000);
});

describe('replicas of a hardened template', () => {
  it('keep its user, dropped capabilities, read-only root, limits and network mode', async () => {
    const service = newService();
    const hardening = {
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,size=1m,mode=1777' },
      Memory: 64 * 1024 * 1024,
      PidsLimit: 64,
      SecurityOpt: ['no-new-privileges'],
    };
    const name = `selfheal-sec-hardened-${randomUUID().slice(0, 8)}`;
    const template = await docker.createContainer({
      name,
      Image: IMAGE,
      User: 'nobody',
      Cmd: ['sh', '-c', 'trap "exit 0" TERM INT; touch /tmp/healthy; sleep 1000000 & wait $!'],
      Labels: { 'selfheal.service': service, 'selfheal.managed': 'true', 'selfheal.sec-run': run },
      Healthcheck: { Test: ['CMD-SHELL', 'test -f /tmp/healthy'], Interval: 1e9, Timeout: 1e9, Retries: 1 },
      HostConfig: hardening,
    });
    await template.start();
    await waitFor(async () => (await template.inspect()).State.Health?.Status === 'healthy', 20_000, 'the hardened template healthy');
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'scale_service', { context: { services: [service], containers: [name] }, verify: [{ name: 'container_health' }] }));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect((await waitForHeal(stack, res.body.workflow_id)).outcome).toBe('verified');
    const [replica] = await docker.listContainers({ all: true, filters: { label: [`selfheal.replica-of=${template.id}`] } });
    const inspected = await docker.getContainer(replica!.Id).inspect();
    expect(inspected.Config.User).toBe('nobody');
    const host = inspected.HostConfig as unknown as Record<string, unknown>;
    expect(Object.fromEntries(Object.keys(hardening).map((k) => [k, host[k]]))).toEqual(hardening);
  }, 120_000);
});

describe('an analysis of one service too many', () => {
  it('is a 400 naming `service` (MAX_SERVICES), and nothing is recorded for it', async () => {
    const service = newService();
    const res = await stack.call('POST', '/api/self_healing/analyze', { service, metrics: { error_rate: 0.01 } });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body).toMatchObject({ error: 'validation_error', field: 'service', message: expect.stringMatching(/would be a new one; at most 1 \(MAX_SERVICES\)/) });
    const { records } = await driver.executeQuery('MATCH (s:Service {name: $service}) RETURN count(s) AS n', { service });
    expect(records.map((r) => Number(r.get('n')))).toEqual([0]);
  }, 60_000);
});

describe('an analysis dated in the future', () => {
  it('is a 400 naming `at`, and nothing is recorded for the service', async () => {
    const service = newService();
    const res = await stack.call('POST', '/api/self_healing/analyze', { service, metrics: { error_rate: 0.01 }, at: '2999-01-01T00:00:00Z' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'validation_error', field: 'at' });
    const { records } = await driver.executeQuery('MATCH (s:Service {name: $service})-[:HAS_SNAPSHOT]->(m) RETURN count(m) AS n', { service });
    expect(records.map((r) => Number(r.get('n')))).toEqual([0]);
  }, 60_000);
});
