// ContainerRuntime on the real Docker engine through dockerode. Every action observes the container first and
// treats "already in that state" answers as success, so a retried (or crashed and re-run) activity never acts twice.
import Docker from 'dockerode';
import { TargetGoneError, ValidationError } from '../../errors';
import type { ContainerInfo, ContainerRuntime, ContainerSample } from '../ports';
import { SERVICE_LABEL, startedAtNanos, toContainerInfo, toContainerSample, withoutSlash } from './container-info';
import { dockerStatus, engineMessage, toRuntimeError } from './docker-errors';
import { restoredOptions, savedConfigName, savedConfigOptions } from './recreate';
import { HEAL_LABEL, replicaCreateOptions, replicaNames } from './replicas';

/** Seconds a stop or restart waits after SIGTERM before SIGKILL: heals should not hang on a stuck process. */
const STOP_TIMEOUT_SECONDS = 5;
/** An engine that accepts the connection and then never answers must fail the call (and let it retry), not hang it. */
const REQUEST_TIMEOUT_MS = 60_000;

/** Engine answers (status, message) meaning "the state you asked for is already there". */
type AlreadyDone = (status: number, message: string) => boolean;
/** 304 from start and stop: already started / already stopped. */
const notModified: AlreadyDone = (status) => status === 304;
// Docker 20.10 answers these with a 500, later versions with a 409: only the message tells.
const unpausedAlready: AlreadyDone = (_status, message) => /is not paused/i.test(message);
/** A container with that name exists: an earlier or concurrent attempt created it. */
const nameTaken: AlreadyDone = (status) => status === 409;
/** Gone already (404), or its removal is already under way (409). */
const removedAlready: AlreadyDone = (status, message) => status === 404 || (status === 409 && /in progress/i.test(message));
/** How long a replica whose name a concurrent create reserved may take to appear. */
const CREATE_WAIT_MS = 10_000;

export interface DockerContainerRuntimeOptions {
  socketPath: string;
  /**
   * An engine shared by several host identities: only the containers whose label `label` is `value` are this
   * runtime's; any other is as absent as a container of another host's engine.
   */
  owner?: { label: string; value: string };
}

export class DockerContainerRuntime implements ContainerRuntime {
  private readonly docker: Docker;
  private readonly owner: DockerContainerRuntimeOptions['owner'];

  constructor({ socketPath, owner }: DockerContainerRuntimeOptions) {
    // No API version: dockerode then sends unversioned paths and the daemon speaks its own (1.41 on Docker 20.10).
    this.docker = new Docker({ socketPath, timeout: REQUEST_TIMEOUT_MS });
    this.owner = owner;
  }

  async ping(): Promise<void> {
    await this.call('ping', 'engine', () => this.docker.ping());
  }

  async inspect(ref: string): Promise<ContainerInfo | null> {
    const raw = await this.findOwn(ref);
    return raw && toContainerInfo(raw);
  }

  async list(filter: { service?: string; labels?: Record<string, string> }): Promise<ContainerInfo[]> {
    const labels = { ...filter.labels, ...(filter.service === undefined ? {} : { [SERVICE_LABEL]: filter.service }), ...this.ownerLabel() };
    const ids = await this.idsWithLabels(labels);
    const infos = await Promise.all(ids.map((id) => this.inspect(id)));
    // A container removed between the list and its inspect is simply no longer there.
    return infos.filter((info): info is ContainerInfo => info !== null);
  }

  async sample(ref: string): Promise<ContainerSample | null> {
    const raw = await this.find(ref);
    if (raw === null) return null;
    if (!raw.State.Running) return toContainerSample(raw, null);
    try {
      // one-shot: the engine answers at once instead of waiting a second for a second reading; the watch keeps the last.
      const stats = (await this.docker.getContainer(raw.Id).stats({ stream: false, 'one-shot': true } as { stream: false })) as Docker.ContainerStats;
      return toContainerSample(raw, stats);
    } catch (err) {
      // Stopped or removed between the inspect and the stats: its state is what there is to say.
      if (dockerStatus(err) === 404 || dockerStatus(err) === 409) return toContainerSample(raw, null);
      throw toRuntimeError(err, 'stats', ref);
    }
  }

  async restartOnce(ref: string, startedAtBefore: string): Promise<{ restarted: boolean; startedAt: string }> {
    const observedStart = startedAtNanos(startedAtBefore);
    if (observedStart === null) throw new ValidationError('startedAtBefore', `not an RFC 3339 timestamp: ${startedAtBefore}`);
    const current = await this.observe(ref);
    if ((startedAtNanos(current.State.StartedAt) ?? 0n) > observedStart) {
      return { restarted: false, startedAt: current.State.StartedAt };
    }
    // By id from here on: a container recreated under the same name meanwhile is not the one that was planned.
    const container = this.docker.getContainer(current.Id);
    await this.act(current, ref, 'restart', () => container.restart({ t: STOP_TIMEOUT_SECONDS }));
    const restarted = await this.observe(current.Id);
    return { restarted: true, startedAt: restarted.State.StartedAt };
  }

  async ensureReplicas(template: string, healKey: string, count: number): Promise<string[]> {
    const source = await this.observe(template);
    const ids: string[] = [];
    for (const name of replicaNames(source.Name, healKey, count)) {
      ids.push(await this.ensureReplica(name, replicaCreateOptions(source, healKey, name)));
    }
    return ids;
  }

  /** Returns the ids of every container that carried the label; each is gone, or its removal under way, on return. */
  async removeReplicas(healKey: string): Promise<string[]> {
    // Replicas carry their template's labels, the owner label among them.
    const ids = await this.idsWithLabels({ [HEAL_LABEL]: healKey, ...this.ownerLabel() });
    for (const id of ids) {
      await this.tolerating('remove', id, () => this.docker.getContainer(id).remove({ force: true }), removedAlready);
    }
    return ids;
  }

  async stop(ref: string): Promise<void> {
    const current = await this.observe(ref);
    if (!current.State.Running) return;
    const container = this.docker.getContainer(current.Id);
    await this.act(current, ref, 'stop', () => container.stop({ t: STOP_TIMEOUT_SECONDS }), notModified);
  }

  async start(ref: string): Promise<void> {
    await this.ensureRunning(await this.observe(ref), ref);
  }

  async recreateOnce(plannedId: string, name: string, key: string): Promise<{ id: string; recreated: boolean; savedBefore: boolean }> {
    const savedName = savedConfigName(key);
    let saved = await this.find(savedName);
    const savedBefore = saved !== null;
    const current = await this.findOwn(name);
    if (current !== null && current.Id !== plannedId) {
      // Recreated already (by an earlier attempt of this step when its saved configuration is still there).
      await this.dropSaved(savedName);
      return { id: current.Id, recreated: false, savedBefore };
    }
    if (current !== null) {
      // The configuration is saved before anything is touched: a crash from here on can always be finished or undone.
      if (saved === null) {
        await this.tolerating('create', savedName, () => this.docker.createContainer(savedConfigOptions(current, key)), nameTaken);
        saved = await this.awaitCreated(savedName);
      }
      const container = this.docker.getContainer(current.Id);
      if (current.State.Running || current.State.Paused) {
        await this.act(current, name, 'stop', () => container.stop({ t: STOP_TIMEOUT_SECONDS }), notModified);
      }
      await this.tolerating('remove', name, () => container.remove({ force: true }), removedAlready);
      await this.awaitRemoved(current.Id);
    }
    if (saved === null) throw new TargetGoneError(`container ${name} does not exist and no configuration of it was saved`);
    const id = await this.ensureReplica(withoutSlash(name), restoredOptions(saved));
    await this.dropSaved(savedName);
    return { id, recreated: true, savedBefore };
  }

  async restoreRecreated(name: string, key: string): Promise<{ id: string | null; restored: boolean; detail: string }> {
    const savedName = savedConfigName(key);
    const saved = await this.find(savedName);
    const current = await this.findOwn(name);
    let result: { id: string | null; restored: boolean; detail: string };
    if (current !== null) {
      const wasRunning = current.State.Running && !current.State.Paused;
      if (!wasRunning) await this.ensureRunning(current, name);
      result = { id: current.Id, restored: !wasRunning, detail: wasRunning ? `${name} is running` : `started ${name} again` };
    } else if (saved !== null) {
      const id = await this.ensureReplica(withoutSlash(name), restoredOptions(saved));
      result = { id, restored: true, detail: `created ${name} again from its saved configuration` };
    } else {
      result = { id: null, restored: false, detail: `${name} is gone and no configuration of it was saved` };
    }
    await this.dropSaved(savedName);
    return result;
  }

  /** Removes a saved configuration with its anonymous volumes; gone already is fine. */
  private async dropSaved(savedName: string): Promise<void> {
    await this.tolerating('remove', savedName, () => this.docker.getContainer(savedName).remove({ force: true, v: true }), removedAlready);
  }

  /** A removal answered with 409 "in progress" is finished before the name can be taken again. */
  private async awaitRemoved(id: string): Promise<void> {
    const deadline = Date.now() + CREATE_WAIT_MS;
    while ((await this.find(id)) !== null) {
      if (Date.now() > deadline) throw new Error(`docker remove ${id}: still there after ${CREATE_WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async ensureReplica(name: string, options: Docker.ContainerCreateOptions): Promise<string> {
    let replica = await this.find(name);
    if (replica === null) {
      await this.tolerating('create', name, () => this.docker.createContainer(options), nameTaken);
      replica = await this.awaitCreated(name);
    }
    await this.ensureRunning(replica, name);
    return replica.Id;
  }

  /**
   * The engine reserves a name before the container is registered, so after a 409 from a concurrent create the
   * container may not be inspectable for a moment. Still absent after the wait (that create failed) is retryable.
   */
  private async awaitCreated(name: string): Promise<Docker.ContainerInspectInfo> {
    const deadline = Date.now() + CREATE_WAIT_MS;
    for (;;) {
      const replica = await this.find(name);
      if (replica !== null) return replica;
      if (Date.now() > deadline) throw new Error(`docker create ${name}: the name is taken but no such container appeared`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async ensureRunning(current: Docker.ContainerInspectInfo, ref: string): Promise<void> {
    if (current.State.Paused) {
      await this.act(current, ref, 'unpause', () => this.docker.getContainer(current.Id).unpause(), unpausedAlready);
    } else if (!current.State.Running) {
      await this.act(current, ref, 'start', () => this.docker.getContainer(current.Id).start(), notModified);
    }
  }

  private async idsWithLabels(labels: Record<string, string>): Promise<string[]> {
    const label = Object.entries(labels).map(([key, value]) => `${key}=${value}`);
    const summaries = await this.call('list', label.join(',') || 'all', () =>
      this.docker.listContainers({ all: true, ...(label.length > 0 ? { filters: { label } } : {}) }),
    );
    return summaries.map((summary) => summary.Id);
  }

  /** The inspect document, or null when there is no such container. */
  private async find(ref: string): Promise<Docker.ContainerInspectInfo | null> {
    try {
      return await this.docker.getContainer(withoutSlash(ref)).inspect();
    } catch (err) {
      if (dockerStatus(err) === 404) return null;
      throw toRuntimeError(err, 'inspect', ref);
    }
  }

  /** find(), for a container that must be this runtime's own (a target, never a saved configuration). */
  private async findOwn(ref: string): Promise<Docker.ContainerInspectInfo | null> {
    const raw = await this.find(ref);
    return raw !== null && (this.owner === undefined || raw.Config.Labels?.[this.owner.label] === this.owner.value) ? raw : null;
  }

  private ownerLabel(): Record<string, string> {
    return this.owner ? { [this.owner.label]: this.owner.value } : {};
  }

  /** Like findOwn, for a container an action needs: its absence is permanent for the heal. */
  private async observe(ref: string): Promise<Docker.ContainerInspectInfo> {
    const raw = await this.findOwn(ref);
    if (raw === null) throw new TargetGoneError(`container ${ref} does not exist`);
    return raw;
  }

  private async call<T>(action: string, ref: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw toRuntimeError(err, action, ref);
    }
  }

  /** Runs the request, treating an engine answer that says the effect is already there as success. */
  private async tolerating(
    action: string,
    ref: string,
    request: () => Promise<unknown>,
    alreadyDone?: AlreadyDone,
  ): Promise<void> {
    try {
      await request();
    } catch (err) {
      const status = dockerStatus(err);
      if (status === undefined || !alreadyDone?.(status, engineMessage(err))) throw toRuntimeError(err, action, ref);
    }
  }

  /**
   * tolerating() for an action on an observed container. The engine answers an action on a container that is being
   * removed with a 500 ("marked for removal"), so after any failure the container is looked at again: gone, or on
   * its way out, is TargetGoneError (permanent) rather than a retryable error.
   */
  private async act(
    current: Docker.ContainerInspectInfo,
    ref: string,
    action: string,
    request: () => Promise<unknown>,
    alreadyDone?: AlreadyDone,
  ): Promise<void> {
    try {
      await this.tolerating(action, ref, request, alreadyDone);
    } catch (err) {
      if (err instanceof TargetGoneError) throw err;
      const now = await this.find(current.Id);
      if (now === null || now.State.Status === 'removing') {
        throw new TargetGoneError(`container ${ref} was removed during ${action}: ${(err as Error).message}`, { cause: err });
      }
      throw err;
    }
  }
}
