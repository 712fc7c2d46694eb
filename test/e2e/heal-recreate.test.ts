// recreate_unhealthy on the real stack: a heal through the API, approved by a second person, recreates the unhealthy
// container under its own name with its own configuration and a new id, verifies it healthy and records the outcome;
// the healthy container of the same service is never touched.
import { randomUUID } from 'node:crypto';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceContainer, docker, makeUnhealthy } from '../helpers/containers';
import { auditOf, cleanUpService, healBody, waitForHeal } from '../helpers/heal';
import { startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
let driver: Driver;
const service = `recreate-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  stack = await startTestStack({ VERIFY_ATTEMPTS: '5' });
  driver = neo4j.driver(stack.config.neo4j.uri);
});

afterAll(async () => {
  await cleanUpService(driver, service);
  await driver?.close();
  await stack?.stop();
});

describe('recreate_unhealthy', () => {
  it('after approval, recreates the unhealthy container with the same configuration and a new id, and verifies it', async () => {
    const sick = await createServiceContainer(service);
    const fine = await createServiceContainer(service);
    await makeUnhealthy(sick.name);
    const before = await docker.getContainer(sick.id).inspect();
    const fineBefore = (await docker.getContainer(fine.id).inspect()).State.StartedAt;

    const res = await stack.call(
      'POST',
      '/api/self_healing/heal',
      healBody(service, 'recreate_unhealthy', { context: { services: [service], containers: [sick.name, fine.name] }, verify: [{ name: 'container_health', params: { hold_seconds: 1 } }] }),
      'operator',
      'alice',
    );
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.plan.steps).toMatchObject([{ action: 'recreate_container', target: { id: sick.id, name: sick.name }, rollback: { action: 'restore_container' } }]);
    expect(res.body.plan.requires_approval).toBe(true);

    await waitForHeal(stack, res.body.workflow_id, (s) => s.phase === 'awaiting_approval');
    const approved = await stack.call('POST', `/api/self_healing/heal/${res.body.workflow_id}/approve`, { comment: 'recreate it' }, 'operator', 'bob');
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);

    const done = await waitForHeal(stack, res.body.workflow_id);
    expect(done.outcome, JSON.stringify(done.steps)).toBe('verified');
    const after = await docker.getContainer(sick.name).inspect();
    expect(after.Id).not.toBe(before.Id);
    expect({ image: after.Config.Image, cmd: after.Config.Cmd, env: after.Config.Env, labels: after.Config.Labels, healthcheck: after.Config.Healthcheck, host: after.HostConfig }).toEqual({
      image: before.Config.Image,
      cmd: before.Config.Cmd,
      env: before.Config.Env,
      labels: before.Config.Labels,
      healthcheck: before.Config.Healthcheck,
      host: before.HostConfig,
    });
    expect(after.State.Health?.Status).toBe('healthy');
    await expect(docker.getContainer(before.Id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await docker.getContainer(fine.id).inspect()).State.StartedAt).toBe(fineBefore);

    const audit = await auditOf(driver, done.attempt_id);
    expect(audit.attempt).toMatchObject({ outcome: 'verified', applied: true, verified: true });
    expect(audit.steps.map((s) => s.step)).toEqual(expect.arrayContaining(['approval_requested', 'approved', 'action_completed', 'verified']));
  }, 120_000);
});
