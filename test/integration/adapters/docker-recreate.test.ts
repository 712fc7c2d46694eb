// recreate_container on the real engine: DockerContainerRuntime.recreateOnce recreates a container under its own
// name with its whole configuration (image, command, environment, labels, healthcheck, restart policy, network and
// every hardening setting replicas copy) and a new id; a retried step never recreates twice; a step that died after
// the removal is finished (or undone) from the saved configuration. Every container here is labelled
// selfheal.test=<run id> (the saved configurations selfheal.saved-for=<key of this run>) and removed in afterAll.
import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerContainerRuntime } from '../../../src/adapters/docker/container-runtime';
import { SAVED_FOR_LABEL, savedConfigName, savedConfigOptions } from '../../../src/adapters/docker/recreate';
import { loadConfig } from '../../../src/config';

const { docker: dockerConfig } = loadConfig();
const docker = new Docker({ socketPath: dockerConfig.socketPath });
const runtime = new DockerContainerRuntime({ socketPath: dockerConfig.socketPath });
const runId = randomUUID().slice(0, 8);
const service = `recreate-${runId}`;

async function createHardened(suffix: string): Promise<Docker.ContainerInspectInfo> {
  const container = await docker.createContainer({
    name: `selfheal-test-${runId}-${suffix}`,
    Image: dockerConfig.image,
    Cmd: ['sh', '-c', 'trap "exit 0" TERM; touch /tmp/healthy; sleep 3600 & wait'],
    Env: ['GREETING=hello', `RUN_ID=${runId}`],
    WorkingDir: '/tmp',
    StopSignal: 'SIGTERM',
    Labels: { 'selfheal.test': runId, 'selfheal.service': service, 'selfheal.managed': 'true', 'app.tier': 'web' },
    Healthcheck: { Test: ['CMD-SHELL', 'test -f /tmp/healthy'], Interval: 1e9, Timeout: 1e9, Retries: 2 },
    HostConfig: {
      NetworkMode: 'none',
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,size=1m' },
      Memory: 64 * 1024 * 1024,
      PidsLimit: 32,
      NanoCpus: 500_000_000,
      Init: true,
    },
  });
  await container.start();
  return container.inspect();
}

/** What must survive a recreate: everything but the id, the start time and what the engine derives from the id. */
function config(raw: Docker.ContainerInspectInfo) {
  const c = raw.Config as Docker.ContainerInspectInfo['Config'] & { WorkingDir?: string; StopSignal?: string };
  return {
    name: raw.Name,
    image: c.Image,
    cmd: c.Cmd,
    entrypoint: c.Entrypoint,
    env: c.Env,
    labels: c.Labels,
    healthcheck: c.Healthcheck,
    workingDir: c.WorkingDir,
    stopSignal: c.StopSignal,
    hostConfig: raw.HostConfig,
  };
}

afterAll(async () => {
  const mine = await docker.listContainers({ all: true, filters: { label: [`selfheal.test=${runId}`] } });
  const saved = await docker.listContainers({ all: true, filters: { label: [SAVED_FOR_LABEL] } });
  const ours = saved.filter((c) => c.Labels[SAVED_FOR_LABEL]?.startsWith(runId));
  await Promise.all([...mine, ...ours].map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
});

describe('DockerContainerRuntime.recreateOnce', () => {
  it('recreates the container with an identical configuration and a new id, once however often the step runs', async () => {
    const original = await createHardened('web');
    const key = `${runId}-attempt-0`;
    const first = await runtime.recreateOnce(original.Id, original.Name, key);
    expect(first).toMatchObject({ recreated: true, savedBefore: false });
    expect(first.id).not.toBe(original.Id);
    const recreated = await docker.getContainer(first.id).inspect();
    expect(config(recreated)).toEqual(config(original));
    expect(recreated.State.Running).toBe(true);
    await expect(docker.getContainer(original.Id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    // The saved configuration is dropped once the recreate is done.
    await expect(docker.getContainer(savedConfigName(key)).inspect()).rejects.toMatchObject({ statusCode: 404 });

    // A retried activity (same planned id, same key): the container under the name is already the new one.
    expect(await runtime.recreateOnce(original.Id, original.Name, key)).toEqual({ id: first.id, recreated: false, savedBefore: false });
    const named = await docker.listContainers({ all: true, filters: { label: [`selfheal.service=${service}`], name: [original.Name.slice(1)] } });
    expect(named.map((c) => c.Id)).toEqual([first.id]);
    // The undo of a finished recreate has nothing to restore: the container under the name runs.
    expect(await runtime.restoreRecreated(original.Name, key)).toMatchObject({ id: first.id, restored: false });
  }, 90_000);

  it('a step that died after the removal is finished from the saved configuration by its retry, or undone by its compensation', async () => {
    for (const ending of ['retry', 'compensation'] as const) {
      const original = await createHardened(`crash-${ending}`);
      const key = `${runId}-crash-${ending}-0`;
      // The state a worker killed between the removal and the create leaves: the saved configuration, no original.
      await docker.createContainer(savedConfigOptions(original, key));
      await docker.getContainer(original.Id).remove({ force: true });
      const saved = await docker.getContainer(savedConfigName(key)).inspect();
      expect(saved.State.Status).toBe('created');
      expect(saved.Config.Labels['selfheal.service']).toBeUndefined();

      const r =
        ending === 'retry'
          ? await runtime.recreateOnce(original.Id, original.Name, key)
          : await runtime.restoreRecreated(original.Name, key);
      expect(r).toMatchObject(ending === 'retry' ? { recreated: true, savedBefore: true } : { restored: true });
      const restored = await docker.getContainer(original.Name.slice(1)).inspect();
      expect(restored.Id).not.toBe(original.Id);
      expect(config(restored)).toEqual(config(original));
      expect(restored.State.Running).toBe(true);
      await expect(docker.getContainer(savedConfigName(key)).inspect()).rejects.toMatchObject({ statusCode: 404 });
    }
  }, 90_000);

  it('compensation starts again an original that was stopped but not yet removed', async () => {
    const original = await createHardened('stopped');
    const key = `${runId}-stopped-0`;
    await docker.createContainer(savedConfigOptions(original, key));
    await docker.getContainer(original.Id).stop({ t: 5 });
    expect(await runtime.restoreRecreated(original.Name, key)).toEqual({ id: original.Id, restored: true, detail: `started ${original.Name} again` });
    expect((await docker.getContainer(original.Id).inspect()).State.Running).toBe(true);
    await expect(docker.getContainer(savedConfigName(key)).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 90_000);
});
