// Labelled "service" containers for tests, made from the local busybox image, removed by the test that made them.
import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';

export const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const IMAGE = process.env.DEMO_IMAGE ?? 'selfheal/busybox:1';
// Exits promptly on SIGTERM (so restarts are quick) and is healthy while /tmp/healthy exists.
const SERVICE_CMD = 'trap "exit 0" TERM INT; touch /tmp/healthy; sleep 1000000 & wait $!';

/**
 * `cmd` replaces the shell command (e.g. one that ignores SIGTERM); `healthy: false` does not wait for health;
 * `labels` are added (a host-ownership label, say).
 */
export async function createServiceContainer(
  service: string,
  name = `selfheal-test-${service}-${randomUUID().slice(0, 6)}`,
  { cmd = SERVICE_CMD, healthy = true, labels = {} }: { cmd?: string; healthy?: boolean; labels?: Record<string, string> } = {},
) {
  const container = await docker.createContainer({
    name,
    Image: IMAGE,
    Cmd: ['sh', '-c', cmd],
    // selfheal.managed: the opt-in marker of the server-side inventory (src/domain/inventory.ts).
    Labels: { 'selfheal.service': service, 'selfheal.managed': 'true', 'selfheal.test': 'true', ...labels },
    // A probe of a loaded machine's engine can take over a second to exec: counted as a failure, it would open an
    // incident on a healthy container. Only the file's absence should fail it.
    Healthcheck: { Test: ['CMD-SHELL', 'test -f /tmp/healthy'], Interval: 1e9, Timeout: 10e9, Retries: 1 },
    HostConfig: { NetworkMode: 'none' },
  });
  await container.start();
  if (healthy) await waitFor(async () => (await container.inspect()).State.Health?.Status === 'healthy', 20_000, `${name} healthy`);
  return { name, id: container.id, container };
}

/** Makes the health check fail from now on, without waiting for Docker to notice (the autopilot may act first). */
export async function breakHealthCheck(name: string): Promise<void> {
  const exec = await docker.getContainer(name).exec({ Cmd: ['rm', '-f', '/tmp/healthy'] });
  await exec.start({ hijack: true, stdin: false });
}

/** Makes the health check pass again (the trouble goes away by itself). */
export async function restoreHealthCheck(name: string): Promise<void> {
  const exec = await docker.getContainer(name).exec({ Cmd: ['touch', '/tmp/healthy'] });
  await exec.start({ hijack: true, stdin: false });
}

export async function makeUnhealthy(name: string): Promise<void> {
  await breakHealthCheck(name);
  await waitFor(async () => (await docker.getContainer(name).inspect()).State.Health?.Status === 'unhealthy', 20_000, `${name} unhealthy`);
}

export async function startedAt(name: string): Promise<string> {
  return (await docker.getContainer(name).inspect()).State.StartedAt;
}

/** Every container's id, state, start time and restart count: a dry run must leave this unchanged. */
export async function engineSnapshot(): Promise<string[]> {
  const all = await docker.listContainers({ all: true });
  const rows = await Promise.all(
    all.map(async (c) => {
      const i = await docker.getContainer(c.Id).inspect();
      return `${i.Id} ${i.State.Status} ${i.State.StartedAt} ${i.RestartCount}`;
    }),
  );
  return rows.sort();
}

/** Container events in [since, until] (epoch seconds) that change something: health checks' exec events excluded. */
export async function containerChanges(since: number, until: number): Promise<string[]> {
  const stream = (await docker.getEvents({ since, until, filters: { type: ['container'] } })) as NodeJS.ReadableStream;
  let raw = '';
  for await (const chunk of stream) raw += chunk.toString();
  return raw
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { Action: string; Actor: { Attributes: { name?: string } } })
    .filter((e) => !e.Action.startsWith('exec_') && !e.Action.startsWith('health_status'))
    .map((e) => `${e.Action} ${e.Actor.Attributes.name ?? ''}`);
}

export async function removeContainers(filter: { label: string }): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [filter.label] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
