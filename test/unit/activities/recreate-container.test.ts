// recreate_container's executor (activities/actions/recreate-container.ts) through the executeStep and
// compensateStep activities, in a MockActivityEnvironment on FakeContainerRuntime: a retry never recreates twice, a
// worker that died after the removal is finished by the retry or undone by the compensation from the saved config.
import { describe, expect, it } from 'vitest';
import { createRemediationActivities } from '../../../activities/remediation';
import { ACTION_EXECUTORS } from '../../../activities/actions';
import { ACTION_HANDLERS } from '../../../src/domain/actions';
import type { PlanStep, StepResult } from '../../../src/domain/heal';
import { fakeDeps } from '../../fakes/deps';
import { container, FakeContainerRuntime } from '../../fakes/others';
import { recordingActivityEnv } from '../../helpers/activity-env';

const step: PlanStep = {
  index: 0,
  action: 'recreate_container',
  target: { kind: 'container', id: 'id-web-1', name: 'web-1' },
  params: {},
  expected_effect: 'recreate web-1',
  rollback: { action: 'restore_container', description: 'restore' },
};

function setup() {
  const containers = new FakeContainerRuntime([container({ name: 'web-1', service: 'svc', health: 'unhealthy', labels: { 'selfheal.service': 'svc', 'app.tier': 'web' } })]);
  const acts = createRemediationActivities(fakeDeps({ containers }));
  // The injected crashes are expected failures: the activity's error log stays out of the test output.
  const { env, entries } = recordingActivityEnv();
  const execute = () => env.run(acts.executeStep, { step, healKey: 'att-1', service: 'svc' }) as Promise<StepResult>;
  const compensate = () => env.run(acts.compensateStep, { step, result: null, healKey: 'att-1', service: 'svc' }) as Promise<StepResult>;
  const named = () => [...containers.containers.values()].filter((c) => c.name === 'web-1');
  return { containers, execute, compensate, named, entries };
}

describe('recreate_container', () => {
  it('has an executor for every kind a plan step can have', () => {
    expect(Object.keys(ACTION_EXECUTORS).sort()).toEqual(Object.keys(ACTION_HANDLERS).filter((k) => k !== 'noop').sort());
  });

  it('recreates the container under its name with its labels and a new id, and a retry does nothing more', async () => {
    const { containers, execute, named, entries } = setup();
    const first = await execute();
    expect(first).toMatchObject({ changed: true, detail: expect.stringMatching(/^recreated web-1 from its configuration/) });
    const [now] = named();
    expect(named()).toHaveLength(1);
    expect(now).toMatchObject({ state: 'running', labels: { 'selfheal.service': 'svc', 'app.tier': 'web' } });
    expect(now!.id).not.toBe('id-web-1');
    expect(first.affected).toEqual([now!.id]);
    const retry = await execute();
    expect(retry).toMatchObject({ changed: false, affected: [now!.id] });
    expect(containers.calls).toEqual(['stop web-1', 'remove web-1', 'create web-1']);
    expect(containers.saved.size).toBe(0);
    // Each run logs what it did, and where: this worker's host.
    expect(entries.filter((e) => e.message === 'heal step executed').map((e) => [e.meta?.['changed'], e.meta?.['host'], e.meta?.['target']])).toEqual([
      [true, first.host, 'web-1'],
      [false, first.host, 'web-1'],
    ]);
    expect(first.host).toEqual(expect.any(String));
  });

  it('a retry after a crash past the removal finishes from the saved configuration, once, and counts as this step', async () => {
    const { containers, execute, named } = setup();
    containers.crashRecreateAfter = 'removed';
    await expect(execute()).rejects.toThrow(/injected crash after removed/);
    expect(named()).toEqual([]);
    const retry = await execute();
    expect(retry.changed).toBe(true);
    expect(named()).toHaveLength(1);
    expect(containers.calls).toEqual(['stop web-1', 'remove web-1', 'create web-1']);
  });

  it('compensation after a crash past the removal creates the original again from its saved configuration', async () => {
    const { containers, execute, compensate, named } = setup();
    containers.crashRecreateAfter = 'removed';
    await expect(execute()).rejects.toThrow();
    expect(await compensate()).toMatchObject({ changed: true, detail: 'created web-1 again from its saved configuration' });
    expect(named()).toEqual([expect.objectContaining({ state: 'running', labels: { 'selfheal.service': 'svc', 'app.tier': 'web' } })]);
    expect(containers.saved.size).toBe(0);
  });

  it('compensation after a crash past the stop starts the original again; after a finished recreate it has nothing to do', async () => {
    const stopped = setup();
    stopped.containers.crashRecreateAfter = 'stopped';
    await expect(stopped.execute()).rejects.toThrow();
    expect(stopped.named()[0]).toMatchObject({ id: 'id-web-1', state: 'exited' });
    expect(await stopped.compensate()).toMatchObject({ changed: true, detail: 'started web-1 again', affected: ['id-web-1'] });
    expect(stopped.named()[0]).toMatchObject({ id: 'id-web-1', state: 'running' });

    const done = setup();
    await done.execute();
    expect(await done.compensate()).toMatchObject({ changed: false, detail: 'web-1 is running' });
  });

  it('a container someone else replaced since the plan is left alone', async () => {
    const { containers, execute } = setup();
    containers.containers.delete('id-web-1');
    containers.containers.set('other-id', container({ name: 'web-1', id: 'other-id', service: 'svc' }));
    expect(await execute()).toMatchObject({ changed: false, detail: expect.stringMatching(/someone else replaced it/) });
    expect(containers.calls).toEqual([]);
  });
});
