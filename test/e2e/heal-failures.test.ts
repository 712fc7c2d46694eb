// Heals that do not go to plan, on the real stack: a restart that does not make the container healthy, a target
// removed while the heal runs, and recoveries that came before the heal's action took effect (recorded as such,
// never as the strategy's success).
import { randomUUID } from 'node:crypto';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceContainer, docker, makeUnhealthy, waitFor } from '../helpers/containers';
import { auditOf, cleanUpService, hasStep, healBody, waitForHeal, watchDockerEvents } from '../helpers/heal';
import { startTestStack, type TestStack } from '../helpers/stack';

// Never creates /tmp/healthy: unhealthy from its first health check on, restarted or not.
const NEVER_HEALTHY_CMD = 'trap "exit 0" TERM INT; sleep 1000000 & wait $!';
// Healthy 4 s after each start, so a rolling restart waits on it.
const SLOW_START_CMD = 'trap "exit 0" TERM INT; (sleep 4; touch /tmp/healthy) & sleep 1000000 & wait $!';

let stack: TestStack;
let driver: Driver;
const services: string[] = [];

function newService(): string {
  const service = `fail-${randomUUID().slice(0, 8)}`;
  services.push(service);
  return service;
}

const startsOf = (events: { name: string; action: string }[], name: string) => events.filter((e) => e.name === name && e.action === 'start').length;

beforeAll(async () => {
  stack = await startTestStack({ VERIFY_ATTEMPTS: '3' });
  driver = neo4j.driver(stack.config.neo4j.uri);
});

afterAll(async () => {
  for (const service of services) await cleanUpService(driver, service);
  await driver?.close();
  await stack?.stop();
});

describe.concurrent('failures', () => {
  it('restart_unhealthy whose restart does not bring health back fails, with nothing to roll back, as a strategy failure', async () => {
    const service = newService();
    const c = await createServiceContainer(service, undefined, { cmd: NEVER_HEALTHY_CMD, healthy: false });
    await waitFor(async () => (await docker.getContainer(c.id).inspect()).State.Health?.Status === 'unhealthy', 20_000, 'unhealthy');
    const watch = await watchDockerEvents([c.name]);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'restart_unhealthy', { context: { services: [service], containers: [c.name] }, verify: [{ name: 'container_health' }] }));
    expect(res.status).toBe(202);
    const done = await waitForHeal(stack, res.body.workflow_id);
    watch.stop();
    expect(done).toMatchObject({ outcome: 'failed', workflow_status: 'FAILED', applied: true, verified: false });
    expect(startsOf(watch.events, c.name)).toBe(1);
    const audit = await auditOf(driver, done.attempt_id);
    expect(audit.steps.find((s) => s.step === 'rollback_started')?.detail).toContain('nothing to roll back');
    expect(audit.outcome).toMatchObject({ strategy: 'restart_unhealthy', success: false });
  });

  it('a container removed during a rolling restart fails the heal at once and the next one is never touched', async () => {
    const service = newService();
    const [a, b] = await Promise.all([
      createServiceContainer(service, `selfheal-test-${service}-a`, { cmd: SLOW_START_CMD }),
      createServiceContainer(service, `selfheal-test-${service}-b`),
    ]);
    const watch = await watchDockerEvents([a!.name, b!.name]);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'rolling_restart', { context: { services: [service], containers: [a!.name, b!.name] }, verify: [{ name: 'container_health' }] }));
    expect(res.status).toBe(202);
    await waitFor(async () => startsOf(watch.events, a!.name) === 1, 30_000, `${a!.name} restarted`);
    await docker.getContainer(a!.id).remove({ force: true });
    const removedAt = Date.now();
    const done = await waitForHeal(stack, res.body.workflow_id);
    watch.stop();
    expect(Date.now() - removedAt).toBeLessThan(15_000);
    expect(done).toMatchObject({ outcome: 'failed', workflow_status: 'FAILED' });
    expect(done.steps.find((s) => s.step === 'action_failed')?.detail).toContain(`${a!.name} was removed`);
    expect(watch.events.filter((e) => e.name === b!.name && e.action !== 'health_status: healthy')).toEqual([]);
  });

  it('a replica removed during verification fails verification, and rollback removes the rest of what was added', async () => {
    const service = newService();
    const template = await createServiceContainer(service);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'scale_service', { replicas: 2, context: { services: [service], containers: [template.name] }, verify: [{ name: 'container_health', params: { hold_seconds: 4 } }] }));
    expect(res.status).toBe(202);
    const label = `selfheal.heal=${res.body.plan.attempt_id}-0`;
    await waitForHeal(stack, res.body.workflow_id, (s) => s.phase === 'verifying');
    const [first] = await docker.listContainers({ all: true, filters: { label: [label] } });
    await docker.getContainer(first!.Id).remove({ force: true });
    const done = await waitForHeal(stack, res.body.workflow_id);
    expect(done).toMatchObject({ outcome: 'rolled_back', workflow_status: 'FAILED' });
    expect(done.steps.some((s) => s.step === 'verification' && s.detail.includes('is gone'))).toBe(true);
    expect(await docker.listContainers({ all: true, filters: { label: [label] } })).toEqual([]);
    expect((await docker.getContainer(template.id).inspect()).State.Running).toBe(true);
  });
});

describe.concurrent('recovery before the action took effect', () => {
  it('with skip_if_healthy, a healthy target is recorded as recovered_before_action and nothing is done', async () => {
    const service = newService();
    const c = await createServiceContainer(service);
    const watch = await watchDockerEvents([c.name]);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'rolling_restart', { skip_if_healthy: true, context: { services: [service], containers: [c.name] }, verify: [{ name: 'container_health' }] }));
    expect(res.status).toBe(202);
    const done = await waitForHeal(stack, res.body.workflow_id);
    watch.stop();
    expect(done).toMatchObject({ outcome: 'recovered_before_action', workflow_status: 'COMPLETED', applied: false });
    expect(startsOf(watch.events, c.name)).toBe(0);
    const audit = await auditOf(driver, done.attempt_id);
    expect(audit.attempt).toMatchObject({ outcome: 'recovered_before_action', applied: false });
    expect(audit.steps.map((s) => s.step)).toContain('precheck');
    expect(audit.outcome).toBeNull();
  });

  it('a container restarted by someone else before the action is not counted as the heal restarting it', async () => {
    const service = newService();
    const c = await createServiceContainer(service);
    await makeUnhealthy(c.name);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'restart_unhealthy', { require_approval: true, context: { services: [service], containers: [c.name] }, verify: [{ name: 'container_health' }] }));
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('awaiting_approval');
    await waitForHeal(stack, res.body.workflow_id, hasStep('approval_requested'));
    // An operator restarts it by hand while the heal waits for approval.
    await docker.getContainer(c.id).restart({ t: 1 });
    const watch = await watchDockerEvents([c.name]);
    // Four eyes: another person than the requester approves.
    const approved = await stack.call('POST', `/api/self_healing/heal/${res.body.workflow_id}/approve`, { comment: 'go' }, 'operator', 'second-operator');
    expect(approved.status).toBe(200);
    const done = await waitForHeal(stack, res.body.workflow_id);
    watch.stop();
    expect(startsOf(watch.events, c.name)).toBe(0);
    expect(done).toMatchObject({ outcome: 'recovered_before_action', verified: true, applied: false });
    expect(done.steps.find((s) => s.step === 'action_completed')?.detail).toContain('already been restarted by someone else');
    const audit = await auditOf(driver, done.attempt_id);
    expect(audit.attempt).toMatchObject({ outcome: 'recovered_before_action', applied: false });
    expect(audit.outcome).toBeNull();
  });
});
