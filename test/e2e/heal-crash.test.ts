// Crashes in the middle of a heal, on the real stack: a worker killed with SIGKILL while an action runs, and again
// while verification runs, then a new worker. Each heal completes, and its effect happened exactly once (one start
// per container, the exact replica count). The Temporal server restarted mid-heal is the fault suite's
// (test/faults/outages.test.ts), which restarts it anyway.
import { randomUUID } from 'node:crypto';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceContainer, docker, waitFor } from '../helpers/containers';
import { auditOf, cleanUpService, hasStep, healBody, waitForHeal, watchDockerEvents, type DockerEvent } from '../helpers/heal';
import { startTestStack, startTestWorker, type TestStack } from '../helpers/stack';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process';

// Ignores SIGTERM, so each restart takes the engine's whole stop timeout (5 s) before SIGKILL: time to crash in.
const STUBBORN_CMD = 'trap "" TERM; touch /tmp/healthy; sleep 1000000 & wait $!';
// The child workers read their settings from the environment, so they get testConfig's test settings explicitly.
const settings = { HEAL_BUDGET_MAX: '10000', HEAL_BUDGET_PER_SERVICE_MAX: '10000', VERIFY_INTERVAL_SECONDS: '1', VERIFY_ATTEMPTS: '20' };

let duringAction: { stack: TestStack; worker: WorkerProcess };
let duringVerification: { stack: TestStack; worker: WorkerProcess };
const replacements: { stop(): Promise<void> }[] = [];
let driver: Driver;
const services: string[] = [];

function newService(): string {
  const service = `crash-${randomUUID().slice(0, 8)}`;
  services.push(service);
  return service;
}

/** An API on a queue of its own whose only worker is a child process. */
async function stackWithChildWorker() {
  const stack = await startTestStack(settings, { worker: false });
  return { stack, worker: await spawnWorker(stack.config, settings) };
}

const startsOf = (events: DockerEvent[], name: string) => events.filter((e) => e.name === name && e.action === 'start');

beforeAll(async () => {
  [duringAction, duringVerification] = await Promise.all([stackWithChildWorker(), stackWithChildWorker()]);
  driver = neo4j.driver(duringAction.stack.config.neo4j.uri);
});

afterAll(async () => {
  for (const r of replacements) await r.stop();
  await duringAction?.worker.kill9();
  await duringVerification?.worker.kill9();
  for (const service of services) await cleanUpService(driver, service);
  await driver?.close();
  await Promise.all([duringAction?.stack.stop(), duringVerification?.stack.stop()]);
});

describe.concurrent('a worker killed mid-heal', () => {
  it('a worker killed while a rolling restart restarts a container: a new worker finishes, each container restarted once', async () => {
    const { stack, worker } = duringAction;
    const service = newService();
    const containers = await Promise.all(['a', 'b'].map((x) => createServiceContainer(service, `selfheal-test-${service}-${x}`, { cmd: STUBBORN_CMD })));
    const names = containers.map((c) => c.name);
    const watch = await watchDockerEvents(names);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'rolling_restart', { context: { services: [service], containers: names }, verify: [{ name: 'container_health', params: { hold_seconds: 1 } }] }));
    expect(res.status).toBe(202);
    // SIGTERM sent, SIGKILL due in 5 s: the restart of the first container is under way.
    await waitFor(async () => watch.events.some((e) => e.name === names[0] && e.action === 'kill'), 30_000, `${names[0]} being stopped`);
    await worker.kill9();
    const killedAt = Date.now();
    replacements.push(await startTestWorker(stack.config));

    const done = await waitForHeal(stack, res.body.workflow_id, undefined, 120_000);
    watch.stop();
    expect(done.outcome).toBe('verified');
    const [startsA, startsB] = names.map((n) => startsOf(watch.events, n));
    expect(startsA).toHaveLength(1);
    expect(startsB).toHaveLength(1);
    expect(startsA![0]!.timeNano).toBeLessThan(startsB![0]!.timeNano);
    const audit = await auditOf(driver, done.attempt_id);
    const completed = audit.steps.filter((s) => s.step === 'action_completed');
    expect(completed.map((s) => JSON.parse(s.data).index)).toEqual([0, 1]);
    // The first restart was under way when the worker died: its step completed on the new worker.
    expect(completed[0]!.at).toBeGreaterThan(killedAt);
    expect(audit.attempt).toMatchObject({ outcome: 'verified', applied: true });
  });

  it('a worker killed during verification: a new worker finishes it, with exactly the replicas asked for', async () => {
    const { stack, worker } = duringVerification;
    const service = newService();
    const template = await createServiceContainer(service);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'scale_service', { replicas: 2, context: { services: [service], containers: [template.name] }, verify: [{ name: 'container_health', params: { hold_seconds: 5 } }] }));
    expect(res.status).toBe(202);
    await waitForHeal(stack, res.body.workflow_id, hasStep('verification'));
    await worker.kill9();
    const killedAt = Date.now();
    replacements.push(await startTestWorker(stack.config));

    const done = await waitForHeal(stack, res.body.workflow_id, undefined, 120_000);
    expect(done.outcome).toBe('verified');
    expect(done.steps.find((s) => s.step === 'verified')!.at).toBeGreaterThan(killedAt);
    const replicas = await docker.listContainers({ all: true, filters: { label: [`selfheal.heal=${done.attempt_id}-0`] } });
    expect(replicas.map((r) => r.State)).toEqual(['running', 'running']);
    expect(await docker.listContainers({ all: true, filters: { label: [`selfheal.service=${service}`] } })).toHaveLength(3);
  });

});
