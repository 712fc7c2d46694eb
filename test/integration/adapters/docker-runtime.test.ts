// DockerContainerRuntime against the real engine. Every container here is created by this file, labelled
// selfheal.test=<run id>, and removed in afterAll; containers of other tests running meanwhile are never touched.
import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerContainerRuntime } from '../../../src/adapters/docker/container-runtime';
import { loadConfig } from '../../../src/config';
import { TargetGoneError } from '../../../src/errors';

const { docker: dockerConfig } = loadConfig();
const docker = new Docker({ socketPath: dockerConfig.socketPath });
const runtime = new DockerContainerRuntime({ socketPath: dockerConfig.socketPath });

const runId = randomUUID().slice(0, 8);
const service = `test-svc-${runId}`;
// PID 1 exits on SIGTERM, so stops and restarts take well under a second instead of the 5 s stop timeout.
const SERVICE_CMD = ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];

async function createRunning(suffix: string, options: Partial<Docker.ContainerCreateOptions> = {}): Promise<Docker.ContainerInspectInfo> {
  const container = await docker.createContainer({
    name: `selfheal-test-${runId}-${suffix}`,
    Image: dockerConfig.image,
    Cmd: SERVICE_CMD,
    Labels: { 'selfheal.test': runId, 'selfheal.service': service },
    HostConfig: { NetworkMode: 'none' },
    ...options,
  });
  await container.start();
  return container.inspect();
}

async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function execIn(id: string, cmd: string[]): Promise<void> {
  const exec = await docker.getContainer(id).exec({ Cmd: cmd });
  await exec.start({ Detach: true });
  const finished = await waitFor(`exec ${cmd.join(' ')}`, () => exec.inspect(), (state) => !state.Running);
  expect(finished.ExitCode).toBe(0);
}

function namesOf(ids: string[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => (await runtime.inspect(id))!.name));
}

afterAll(async () => {
  const mine = await docker.listContainers({ all: true, filters: { label: [`selfheal.test=${runId}`] } });
  await Promise.all(mine.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
});

describe('DockerContainerRuntime', () => {
  it('pings the engine, and reports an unreachable engine as a retryable error', async () => {
    await runtime.ping();
    const down = new DockerContainerRuntime({ socketPath: `/tmp/selfheal-no-engine-${runId}.sock` });
    const failure = await down.ping().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(TargetGoneError);
    expect((failure as Error).message).toMatch(/Docker engine unreachable \(ENOENT\)/);
  });

  it('inspects by id, id prefix and name (with or without "/"), and answers null for unknown containers', async () => {
    const raw = await createRunning('inspect');
    const name = raw.Name.slice(1);
    const info = await runtime.inspect(raw.Id);
    expect(info).toMatchObject({
      id: raw.Id,
      name,
      image: dockerConfig.image,
      state: 'running',
      health: 'none',
      startedAt: raw.State.StartedAt,
      restartCount: 0,
      service,
      labels: { 'selfheal.test': runId, 'selfheal.service': service },
    });
    for (const ref of [raw.Id.slice(0, 12), name, `/${name}`]) expect(await runtime.inspect(ref)).toEqual(info);
    expect(await runtime.inspect(`selfheal-test-${runId}-missing`)).toBeNull();
    expect(await runtime.inspect('f'.repeat(64))).toBeNull();
  });

  it('lists containers by service and labels, stopped ones included', async () => {
    const stopped = await createRunning('listed-stopped');
    await runtime.stop(stopped.Id);
    const byService = await runtime.list({ service });
    expect(byService.map((c) => c.id)).toContain(stopped.Id);
    expect(byService.every((c) => c.service === service)).toBe(true);
    expect(byService.find((c) => c.id === stopped.Id)?.state).toBe('exited');
    const byLabel = await runtime.list({ labels: { 'selfheal.test': runId } });
    expect(byLabel.map((c) => c.id).sort()).toEqual(byService.map((c) => c.id).sort());
    expect(await runtime.list({ service, labels: { 'selfheal.test': 'another-run' } })).toEqual([]);
  });

  it('restartOnce restarts once: a retry with the same observation does not restart again', async () => {
    const raw = await createRunning('restart');
    const observed = raw.State.StartedAt;
    const began = Date.now();
    const first = await runtime.restartOnce(raw.Id, observed);
    const restartMs = Date.now() - began;
    expect(first.restarted).toBe(true);
    expect(first.startedAt).not.toBe(observed);
    expect(Date.parse(first.startedAt)).toBeGreaterThanOrEqual(Date.parse(observed));
    expect(restartMs).toBeLessThan(5_000);

    const retry = await runtime.restartOnce(raw.Name, observed);
    expect(retry).toEqual({ restarted: false, startedAt: first.startedAt });
    expect((await runtime.inspect(raw.Id))?.startedAt).toBe(first.startedAt);
    console.info(`restartOnce took ${restartMs} ms`);
  });

  it('ensureReplicas makes exactly count replicas however often it runs, and removeReplicas removes exactly those', async () => {
    const template = await createRunning('template', {
      Env: ['MODE=replica-test'],
      Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 1e9, Retries: 1 },
    });
    const healKey = `heal-${runId}:scale`;
    const ids = await runtime.ensureReplicas(template.Name, healKey, 2);
    expect(ids).toHaveLength(2);
    for (let i = 0; i < 3; i++) expect(await runtime.ensureReplicas(template.Id, healKey, 2)).toEqual(ids);

    const names = await namesOf(ids);
    expect(names[0]).toMatch(new RegExp(`^selfheal-test-${runId}-template-heal-[0-9a-f]{12}-1$`));
    expect(names[1]).toBe(names[0]!.replace(/-1$/, '-2'));
    for (const id of ids) {
      const replica = await docker.getContainer(id).inspect();
      expect(replica.State.Running).toBe(true);
      expect(replica.HostConfig.NetworkMode).toBe('none');
      expect(replica.Config).toMatchObject({ Image: dockerConfig.image, Cmd: SERVICE_CMD, Healthcheck: template.Config.Healthcheck });
      expect(replica.Config.Env).toContain('MODE=replica-test');
      expect(replica.Config.Labels).toMatchObject({
        'selfheal.service': service,
        'selfheal.heal': healKey,
        'selfheal.replica-of': template.Id,
      });
    }
    expect((await runtime.list({ labels: { 'selfheal.heal': healKey } })).map((c) => c.id).sort()).toEqual([...ids].sort());

    // Two attempts racing from nothing: one creates, the other meets the name conflict; still exactly two.
    const racedKey = `heal-${runId}:race`;
    const [a, b] = await Promise.all([
      runtime.ensureReplicas(template.Id, racedKey, 2),
      runtime.ensureReplicas(template.Id, racedKey, 2),
    ]);
    expect(a).toEqual(b);
    const raced = await runtime.list({ labels: { 'selfheal.heal': racedKey } });
    expect(raced).toHaveLength(2);
    expect(raced.every((c) => c.state === 'running')).toBe(true);

    expect((await runtime.removeReplicas(healKey)).sort()).toEqual([...ids].sort());
    expect(await runtime.removeReplicas(healKey)).toEqual([]);
    expect(await runtime.list({ labels: { 'selfheal.heal': healKey } })).toEqual([]);
    expect(await runtime.list({ labels: { 'selfheal.heal': racedKey } })).toHaveLength(2);
    expect((await runtime.inspect(template.Id))?.state).toBe('running');
    await runtime.removeReplicas(racedKey);
  });

  it('maps the healthcheck: healthy, then unhealthy once its file is gone', async () => {
    const raw = await createRunning('health', {
      Cmd: ['sh', '-c', 'touch /tmp/healthy; trap "exit 0" TERM; sleep 3600 & wait'],
      Healthcheck: { Test: ['CMD-SHELL', 'test -f /tmp/healthy'], Interval: 1e9, Retries: 1 },
    });
    await waitFor('healthy', () => runtime.inspect(raw.Id), (info) => info?.health === 'healthy');
    await execIn(raw.Id, ['rm', '/tmp/healthy']);
    const unhealthy = await waitFor('unhealthy', () => runtime.inspect(raw.Id), (info) => info?.health === 'unhealthy');
    expect(unhealthy?.state).toBe('running');
  });

  it('stop and start are idempotent, also when two attempts race', async () => {
    const raw = await createRunning('states');
    const state = async () => (await runtime.inspect(raw.Id))?.state;
    await Promise.all([runtime.stop(raw.Id), runtime.stop(raw.Id)]);
    await runtime.stop(raw.Id);
    expect(await state()).toBe('exited');
    await Promise.all([runtime.start(raw.Id), runtime.start(raw.Id)]);
    await runtime.start(raw.Id);
    expect(await state()).toBe('running');
  });

  it('a container removed mid-way fails every action with TargetGoneError', async () => {
    // PID 1 ignores SIGTERM here, so the restart is still waiting out its stop timeout when the container goes.
    const slow = await createRunning('removed-during-restart', { Cmd: ['sleep', '3600'] });
    const restarting = runtime.restartOnce(slow.Id, slow.State.StartedAt).catch((err: unknown) => err);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await docker.getContainer(slow.Id).remove({ force: true });
    expect(await restarting).toBeInstanceOf(TargetGoneError);

    const raw = await createRunning('removed');
    await docker.getContainer(raw.Id).remove({ force: true });
    expect(await runtime.inspect(raw.Id)).toBeNull();
    const actions = [
      () => runtime.restartOnce(raw.Id, raw.State.StartedAt),
      () => runtime.ensureReplicas(raw.Id, `heal-${runId}:gone`, 1),
      () => runtime.stop(raw.Id),
      () => runtime.start(raw.Id),
      () => runtime.recreateOnce(raw.Id, raw.Name, `heal-${runId}-gone-0`),
    ];
    for (const action of actions) await expect(action()).rejects.toBeInstanceOf(TargetGoneError);
    expect(await runtime.removeReplicas(`heal-${runId}:gone`)).toEqual([]);
  });
});
