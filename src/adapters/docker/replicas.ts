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

/** The template's process, environment, labels and healthcheck, marked as this heal's replica, with no network. */
export function replicaCreateOptions(
  template: Docker.ContainerInspectInfo,
  healKey: string,
  name: string,
): Docker.ContainerCreateOptions {
  const { Image, Cmd, Entrypoint, Env, Labels, Healthcheck } = template.Config;
  return {
    name,
    Image,
    Cmd,
    Entrypoint,
    Env,
    Healthcheck,
    Labels: { ...Labels, [HEAL_LABEL]: healKey, [REPLICA_OF_LABEL]: template.Id },
    // Containers here never get a network or published ports (the engine runs with --bridge=none).
    HostConfig: { NetworkMode: 'none' },
  };
}
