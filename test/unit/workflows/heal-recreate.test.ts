// recreate_unhealthy end to end through healWorkflow on the time-skipping test server, with the real activities on
// the in-memory fakes: planned by its handler, approved by a second person, executed by its executor, verified by
// the container's name (its id changed), and, when verification fails, compensated through restore_container. A
// crash of the action after the removal is retried by Temporal and recreates exactly once.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { useTimeSkipping } from '../../helpers/time-skipping';
import { createActivities } from '../../../activities';
import type { HealInput, HealStatus } from '../../../src/domain/heal';
import { decideApprovalUpdate, healStatusQuery } from '../../../workflows/definitions';
import { dockerTaskQueue } from '../../../workflows/docker-hosts';
import { fakeDeps } from '../../fakes/deps';
import { container, FakeContainerRuntime, FakeHttpProbe } from '../../fakes/others';
import { input } from '../../helpers/heal-stubs';

const server = useTimeSkipping();

const PROBE = 'http://probe.test/health';

function world() {
  const containers = new FakeContainerRuntime([
    container({ name: 'web-1', service: 'svc', health: 'unhealthy', labels: { 'selfheal.service': 'svc', 'selfheal.managed': 'true', 'app.tier': 'web' } }),
    container({ name: 'web-2', service: 'svc' }),
  ]);
  const http = new FakeHttpProbe();
  return { containers, http, deps: fakeDeps({ containers, http }) };
}

const heal = (over: Partial<HealInput> = {}): HealInput =>
  input({ strategy: 'recreate_unhealthy', actor: 'alice', context: { services: ['svc'], containers: ['web-1', 'web-2'] }, ...over });

/** Starts the heal, approves it as bob once it waits, and runs it to its end. */
async function run(w: ReturnType<typeof world>, healInput: HealInput) {
  const taskQueue = `recreate-${randomUUID()}`;
  const activities = createActivities(w.deps);
  const worker = await Worker.create({ connection: server.env.nativeConnection, taskQueue, workflowBundle: server.bundle, activities });
  // The container steps go to the queue of the host planning found them on (the worker entry point polls both).
  const hostWorker = await Worker.create({ connection: server.env.nativeConnection, taskQueue: dockerTaskQueue(taskQueue, w.deps.config.worker.hostId), activities });
  return worker.runUntil(hostWorker.runUntil(async () => {
    const handle = await server.env.client.workflow.start('healWorkflow', { taskQueue, workflowId: `heal-recreate-${randomUUID()}`, args: [healInput] });
    // Queries do not let the server skip time: the approval timeout cannot pass while this waits.
    for (let i = 0; (await handle.query(healStatusQuery)).phase !== 'awaiting_approval'; i++) {
      if (i > 200) throw new Error('the heal never asked for approval');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await handle.executeUpdate(decideApprovalUpdate, { args: [{ approve: true, actor: 'bob', role: 'operator' }] });
    try {
      return { status: (await handle.result()) as HealStatus, failure: null as WorkflowFailedError | null };
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      return { status: (await handle.query(healStatusQuery)) as HealStatus, failure: err };
    }
  }));
}

describe('recreate_unhealthy through healWorkflow', () => {
  it('recreates the failing container after approval, verifies it by name, and leaves the healthy one alone', async () => {
    const w = world();
    const { status } = await run(w, heal());
    expect(status.outcome).toBe('verified');
    expect(status.plan?.steps.map((s) => [s.action, s.target.name, s.target.host])).toEqual([['recreate_container', 'web-1', w.deps.config.worker.hostId]]);
    const web1 = [...w.containers.containers.values()].filter((c) => c.name === 'web-1');
    expect(web1).toEqual([expect.objectContaining({ state: 'running', health: 'healthy', labels: expect.objectContaining({ 'app.tier': 'web' }) })]);
    expect(web1[0]!.id).not.toBe('id-web-1');
    expect(w.containers.calls).toEqual(['stop web-1', 'remove web-1', 'create web-1']);
    expect(status.steps.map((s) => s.step)).toEqual(expect.arrayContaining(['approved', 'action_completed', 'verified']));
  }, 60_000);

  it('a crash of the action after the removal is retried and recreates exactly once', async () => {
    const w = world();
    w.containers.crashRecreateAfter = 'removed';
    const { status } = await run(w, heal());
    expect(status.outcome).toBe('verified');
    expect(w.containers.calls).toEqual(['stop web-1', 'remove web-1', 'create web-1']);
    expect([...w.containers.containers.values()].filter((c) => c.name === 'web-1')).toHaveLength(1);
    expect(status.steps.find((s) => s.step === 'action_completed')?.detail).toMatch(/^recreated web-1/);
  }, 60_000);

  it('when verification fails, compensation runs restore_container for the step and the heal is rolled back', async () => {
    const w = world();
    w.http.statuses.set(PROBE, 503);
    const { status, failure } = await run(w, heal({ verify: [{ name: 'http_probe', params: { url: PROBE } }] }));
    expect(failure).not.toBeNull();
    expect(status.outcome).toBe('rolled_back');
    const rollback = status.steps.filter((s) => s.step === 'rollback_step');
    expect(rollback).toEqual([expect.objectContaining({ status: 'ok', detail: 'web-1 is running' })]);
    expect(w.containers.saved.size).toBe(0);
  }, 60_000);
});
