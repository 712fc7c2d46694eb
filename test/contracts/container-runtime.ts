// The ContainerRuntime contract, run against FakeContainerRuntime (unit) and DockerContainerRuntime on the real engine
// (integration): what activity tests assume of the fake is what the Docker adapter does. Every action is idempotent
// (it observes before it acts), and an action on a container that is gone fails with TargetGoneError.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ContainerRuntime } from '../../src/adapters/ports';
import { TargetGoneError } from '../../src/errors';

export interface ContainerRuntimeSubject {
  runtime: ContainerRuntime;
  /** Creates a running container labelled selfheal.service=<service> in the subject's world; returns its id and name. */
  create(service: string): Promise<{ id: string; name: string }>;
}

export function describeContainerRuntimeContract(name: string, subject: () => ContainerRuntimeSubject, timeoutMs = 5_000): void {
  describe(`ContainerRuntime contract: ${name}`, () => {
    const service = () => `contract-${randomUUID().slice(0, 8)}`;

    it('inspects by id and by name, null for what does not exist, and lists by service and by label', async () => {
      const { runtime, create } = subject();
      const svc = service();
      const a = await create(svc);
      const b = await create(svc);
      await create(service());
      const byId = await runtime.inspect(a.id);
      expect(byId).toMatchObject({ id: a.id, name: a.name, state: 'running', service: svc, labels: expect.objectContaining({ 'selfheal.service': svc }) });
      expect(await runtime.inspect(a.name)).toEqual(byId);
      expect(await runtime.inspect(`selfheal-contract-none-${randomUUID()}`)).toBeNull();
      expect((await runtime.list({ service: svc })).map((c) => c.id).sort()).toEqual([a.id, b.id].sort());
      expect((await runtime.list({ labels: { 'selfheal.service': svc } })).map((c) => c.id).sort()).toEqual([a.id, b.id].sort());
    }, timeoutMs);

    it('sample reads state and resource use: growing CPU counters while running, none once stopped, null when gone', async () => {
      const { runtime, create } = subject();
      const c = await create(service());
      const first = await runtime.sample(c.id);
      expect(first).toMatchObject({ info: { id: c.id, name: c.name, state: 'running' }, oomKilled: false });
      expect(first!.cpu!.systemNs).toBeGreaterThan(0);
      expect(first!.memory!.limitBytes).toBeGreaterThan(0);
      expect(first!.memory!.usageBytes).toBeGreaterThanOrEqual(0);
      const second = (await runtime.sample(c.name))!;
      expect(second.cpu!.systemNs).toBeGreaterThanOrEqual(first!.cpu!.systemNs);
      expect(second.cpu!.totalNs).toBeGreaterThanOrEqual(first!.cpu!.totalNs);
      await runtime.stop(c.id);
      expect(await runtime.sample(c.id)).toMatchObject({ info: { state: 'exited' }, cpu: null, memory: null });
      expect(await runtime.sample(`selfheal-contract-none-${randomUUID()}`)).toBeNull();
    }, timeoutMs);

    it('restartOnce restarts once for one observation: a retry with the same observation does nothing', async () => {
      const { runtime, create } = subject();
      const c = await create(service());
      const before = (await runtime.inspect(c.id))!;
      const first = await runtime.restartOnce(c.name, before.startedAt);
      expect(first.restarted).toBe(true);
      expect(first.startedAt > before.startedAt).toBe(true);
      expect(await runtime.restartOnce(c.name, before.startedAt)).toEqual({ restarted: false, startedAt: first.startedAt });
      expect((await runtime.inspect(c.id))!.state).toBe('running');
    }, timeoutMs);

    it('ensureReplicas makes exactly count running replicas however often it runs; removeReplicas removes exactly those', async () => {
      const { runtime, create } = subject();
      const svc = service();
      const template = await create(svc);
      const key = `contract-${randomUUID().slice(0, 8)}-0`;
      const ids = await runtime.ensureReplicas(template.id, key, 2);
      expect(ids).toHaveLength(2);
      expect(await runtime.ensureReplicas(template.id, key, 2)).toEqual(ids);
      const replicas = await runtime.list({ labels: { 'selfheal.heal': key } });
      expect(replicas.map((r) => r.id).sort()).toEqual([...ids].sort());
      for (const r of replicas) expect(r).toMatchObject({ state: 'running', service: svc });
      expect((await runtime.removeReplicas(key)).sort()).toEqual([...ids].sort());
      expect(await runtime.list({ labels: { 'selfheal.heal': key } })).toEqual([]);
      expect(await runtime.removeReplicas(key)).toEqual([]);
      expect(await runtime.inspect(template.id)).not.toBeNull();
    }, timeoutMs);

    it('stop and start are idempotent', async () => {
      const { runtime, create } = subject();
      const c = await create(service());
      const state = async () => (await runtime.inspect(c.id))!.state;
      await runtime.stop(c.id);
      await runtime.stop(c.id);
      expect(await state()).toBe('exited');
      await runtime.start(c.id);
      await runtime.start(c.id);
      expect(await state()).toBe('running');
    }, timeoutMs);

    it('recreateOnce recreates once per key under the same name, labels and image, with a new id; restoreRecreated then has nothing to do', async () => {
      const { runtime, create } = subject();
      const svc = service();
      const c = await create(svc);
      const before = (await runtime.inspect(c.id))!;
      const key = `contract-${randomUUID().slice(0, 8)}-0`;
      const first = await runtime.recreateOnce(c.id, c.name, key);
      expect(first.recreated).toBe(true);
      expect(first.id).not.toBe(c.id);
      expect(await runtime.inspect(c.id)).toBeNull();
      const after = (await runtime.inspect(c.name))!;
      expect(after).toMatchObject({ id: first.id, name: c.name, image: before.image, labels: before.labels, service: svc, state: 'running' });
      // A retry of the same step finds the new container under the name: nothing is recreated twice.
      expect(await runtime.recreateOnce(c.id, c.name, key)).toMatchObject({ id: first.id, recreated: false });
      expect((await runtime.list({ service: svc })).map((x) => x.id)).toEqual([first.id]);
      expect(await runtime.restoreRecreated(c.name, key)).toMatchObject({ id: first.id, restored: false });
      expect((await runtime.inspect(c.name))!.id).toBe(first.id);
    }, timeoutMs);

    it('fails every action on a container that does not exist with TargetGoneError', async () => {
      const { runtime } = subject();
      const ref = `selfheal-contract-none-${randomUUID()}`;
      for (const act of [
        () => runtime.restartOnce(ref, '2026-01-01T00:00:00.000Z'),
        () => runtime.ensureReplicas(ref, `k-${randomUUID()}`, 1),
        () => runtime.stop(ref),
        () => runtime.start(ref),
        () => runtime.recreateOnce(ref, ref, `k-${randomUUID()}`),
      ]) {
        await expect(act()).rejects.toBeInstanceOf(TargetGoneError);
      }
    }, timeoutMs);
  });
}
