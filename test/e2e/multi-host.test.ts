// Docker actions run on the worker of the host whose engine runs the container. Two worker processes present two
// host identities (host-a, host-b); they share this machine's one engine, and each owns only the containers labelled
// selfheal.host=<its id> (DOCKER_OWNER_LABEL), so each is asked only about its own. The histories' activity-started
// events name the worker (pid@host) that ran each activity, and the audit names the host of each step.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceContainer, makeUnhealthy } from '../helpers/containers';
import { auditOf, cleanUpService, healBody, waitForHeal } from '../helpers/heal';
import { startHttpTarget, type HttpTarget } from '../helpers/http-target';
import { startTestStack, type TestStack } from '../helpers/stack';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process';
import { dockerTaskQueue } from '../../workflows/docker-hosts';

const EventType = temporal.api.enums.v1.EventType;
const HOSTS = ['host-a', 'host-b'] as const;
type Host = (typeof HOSTS)[number];

let stack: TestStack;
let http: HttpTarget;
let driver: Driver;
let client: Client;
let connection: Connection;
const workers: Partial<Record<Host, WorkerProcess>> = {};
const services: string[] = [];

beforeAll(async () => {
  http = await startHttpTarget();
  const settings = { HEAL_BUDGET_MAX: '10000', HEAL_BUDGET_PER_SERVICE_MAX: '10000', VERIFY_INTERVAL_SECONDS: '1', VERIFY_ATTEMPTS: '3', VERIFY_HTTP_ALLOWLIST: http.prefix };
  stack = await startTestStack(settings, { worker: false });
  await Promise.all(
    HOSTS.map(async (host) => {
      workers[host] = await spawnWorker(stack.config, { ...settings, WORKER_HOST_ID: host, WORKER_DOCKER_HOSTS: HOSTS.join(','), DOCKER_OWNER_LABEL: 'selfheal.host' });
    }),
  );
  driver = neo4j.driver(stack.config.neo4j.uri);
  connection = await Connection.connect({ address: stack.config.temporal.address });
  client = new Client({ connection, namespace: stack.config.temporal.namespace });
}, 240_000);

afterAll(async () => {
  for (const w of Object.values(workers)) await w?.kill9();
  for (const service of services) await cleanUpService(driver, service);
  await driver?.close();
  await connection?.close();
  await stack?.stop();
  await http?.close();
});

/** A service whose one container runs on `host`. */
async function serviceOn(host: Host) {
  const service = `multihost-${randomUUID().slice(0, 8)}`;
  services.push(service);
  const c = await createServiceContainer(service, undefined, { labels: { 'selfheal.host': host } });
  return { service, container: c.name };
}

/**
 * Each activity of the run (its type, the task queue it was scheduled on and the identity of the worker that ran it),
 * and the identity of the worker that ran the first workflow task: the one that plans.
 */
async function activitiesOf(workflowId: string, runId: string) {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const scheduled = new Map<string, { type: string; queue: string }>();
  const ran: { type: string; queue: string; worker: string }[] = [];
  const planner = history.events?.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)?.workflowTaskStartedEventAttributes?.identity;
  for (const e of history.events ?? []) {
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      const a = e.activityTaskScheduledEventAttributes!;
      scheduled.set(String(e.eventId), { type: a.activityType!.name!, queue: a.taskQueue!.name! });
    } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const a = e.activityTaskStartedEventAttributes!;
      ran.push({ ...scheduled.get(String(a.scheduledEventId))!, worker: a.identity! });
    }
  }
  return Object.assign(ran, { planner });
}

const workerOf = (host: Host) => `${workers[host]!.pid}@${host}`;

describe('two Docker hosts, a worker each', () => {
  it('plans through both hosts, and restarts and verifies a container of host-b on host-b\'s worker only', async () => {
    const { service, container } = await serviceOn('host-b');
    await makeUnhealthy(container);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'restart_unhealthy', { context: { services: [service], containers: [container] }, verify: [{ name: 'container_health', params: { hold_seconds: 1 } }] }));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const done = await waitForHeal(stack, res.body.workflow_id, undefined, 120_000);
    expect(done.outcome).toBe('verified');
    expect(done.plan?.steps.map((s) => [s.action, s.target.name, s.target.host])).toEqual([['restart_container', container, 'host-b']]);
    expect(done.plan?.safety_checks).toContainEqual({ name: 'docker_host', passed: true, detail: 'acts on host host-b' });

    const ran = await activitiesOf(done.workflow_id, done.run_id);
    // Planning asked both hosts: the planning worker answered for its own in a local activity, the other host's
    // worker on that host's queue (the refusal test below shows both answers reach the plan).
    const planning = HOSTS.find((h) => workerOf(h) === ran.planner);
    expect(planning, `planned by ${ran.planner}`).toBeDefined();
    const observations = ran.filter((a) => a.type === 'observeDockerHost');
    expect(observations.map((a) => [a.queue, a.worker])).toEqual(HOSTS.filter((h) => h !== planning).map((h) => [dockerTaskQueue(stack.config.temporal.taskQueue, h), workerOf(h)]));
    const onContainer = ran.filter((a) => a.type === 'executeStep' || a.type === 'verifyHealth');
    expect(onContainer.map((a) => a.type)).toEqual(expect.arrayContaining(['executeStep', 'verifyHealth']));
    for (const a of onContainer) expect(a, `${a.type} ran on ${a.worker}`).toMatchObject({ queue: dockerTaskQueue(stack.config.temporal.taskQueue, 'host-b'), worker: workerOf('host-b') });

    const audit = await auditOf(driver, done.attempt_id);
    const completed = audit.steps.find((s) => s.step === 'action_completed')!;
    expect(JSON.parse(completed.data as string)).toMatchObject({ host: 'host-b' });
  }, 180_000);

  it('scales out on host-a, and when verification fails removes the replica on host-a\'s worker', async () => {
    const { service, container } = await serviceOn('host-a');
    http.answer(service, 500);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'scale_service', { context: { services: [service], containers: [container] }, verify: [{ name: 'http_probe', params: { url: http.url(service) } }] }));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const done = await waitForHeal(stack, res.body.workflow_id, (s) => s.phase === 'completed' && s.workflow_status !== 'RUNNING', 120_000);
    expect(done.outcome).toBe('rolled_back');
    expect(done.plan?.steps.map((s) => [s.action, s.target.host])).toEqual([['scale_up', 'host-a']]);

    const ran = await activitiesOf(done.workflow_id, done.run_id);
    const onHost = ran.filter((a) => ['executeStep', 'verifyHealth', 'compensateStep'].includes(a.type));
    expect(new Set(onHost.map((a) => a.type))).toEqual(new Set(['executeStep', 'verifyHealth', 'compensateStep']));
    for (const a of onHost) expect(a, `${a.type} ran on ${a.worker}`).toMatchObject({ queue: dockerTaskQueue(stack.config.temporal.taskQueue, 'host-a'), worker: workerOf('host-a') });
    const audit = await auditOf(driver, done.attempt_id);
    expect(audit.steps.filter((s) => s.step === 'action_completed' || s.step === 'rollback_step').map((s) => [s.step, JSON.parse(s.data as string).host])).toEqual([
      ['action_completed', 'host-a'],
      ['rollback_step', 'host-a'],
    ]);
  }, 180_000);

  it('refuses a heal whose containers are on two hosts, naming both', async () => {
    const a = await serviceOn('host-a');
    // A second container of the same service, on host-b.
    const b = await createServiceContainer(a.service, undefined, { labels: { 'selfheal.host': 'host-b' } });
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(a.service, 'rolling_restart', { context: { services: [a.service], containers: [a.container, b.name] } }));
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    const done = await waitForHeal(stack, res.body.workflow_id, (s) => s.phase === 'completed', 60_000);
    expect(done.outcome).toBe('refused');
    expect(done.plan?.safety_checks).toContainEqual({ name: 'docker_host', passed: false, detail: 'the steps act on several hosts (host-a, host-b): one heal acts on one host' });
  }, 120_000);
});
