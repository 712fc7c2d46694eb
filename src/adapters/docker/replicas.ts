// How a heal's replicas are named and configured. Names derive from the heal key alone, so a retried or
// concurrent ensureReplicas addresses the very same containers instead of making new ones.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { withoutSlash } from './container-info';

export const HEAL_LABEL = 'selfheal.heal';
export const REPLICA_OF_LABEL = 'selfheal.replica-of';

/** 12 hex characters: short enough for readable names, long enough that two heal keys do not collide. */
function shortHash(healKey: string): string {
  return createHash('sha256').update(healKey).digest('hex').slice(0, 12);
}

/** `<templateName>-heal-<shortHash(healKey)>-<i>` for i in 1..count. */
export function replicaNames(templateName: string, healKey: string, count: number): string[] {
  const prefix = `${withoutSlash(templateName)}-heal-${shortHash(healKey)}`;
  return Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
}

/**
 * HostConfig settings a replica inherits from its template: its network (the local demo's containers run with
 * `--network none`, a real deployment's on the service's network) and every security setting and resource limit,
 * so a replica is never less confined than the container it copies. Published ports are not copied (they would
 * collide); restart policy and mounts are not either (a replica is temporary and must not share the template's
 * state).
 */
const INHERITED_HOST_CONFIG = [
  'NetworkMode',
  'CapDrop',
  'CapAdd',
  'Privileged',
  'ReadonlyRootfs',
  'SecurityOpt',
  'Tmpfs',
  'Memory',
  'MemorySwap',
  'MemoryReservation',
  'NanoCpus',
  'CpuShares',
  'CpuQuota',
  'CpuPeriod',
  'PidsLimit',
  'Ulimits',
  'UsernsMode',
  'IpcMode',
  'Init',
] as const;

/** The template's process, environment, labels, healthcheck, user, network and confinement, marked as this heal's replica. */
export function replicaCreateOptions(
  template: Docker.ContainerInspectInfo,
  healKey: string,
  name: string,
): Docker.ContainerCreateOptions {
  const { Image, Cmd, Entrypoint, Env, Labels, Healthcheck, User, WorkingDir } = template.Config as Docker.ContainerInspectInfo['Config'] & { User?: string; WorkingDir?: string };
  const source = (template.HostConfig ?? {}) as Record<string, unknown>;
  const hostConfig: Record<string, unknown> = {};
  for (const key of INHERITED_HOST_CONFIG) {
    const value = source[key];
    if (value !== undefined && value !== null && value !== '') hostConfig[key] = value;
  }
  return {
    name,
    Image,
    Cmd,
    Entrypoint,
    Env,
    Healthcheck,
    ...(User ? { User } : {}),
    ...(WorkingDir ? { WorkingDir } : {}),
    Labels: { ...Labels, [HEAL_LABEL]: healKey, [REPLICA_OF_LABEL]: template.Id },
    HostConfig: hostConfig as Docker.HostConfig,
  };
}
