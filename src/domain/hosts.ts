// Several Docker hosts: every worker has a host identity (WORKER_HOST_ID) and runs Docker actions only for its own
// engine. Planning asks the worker of every host what its engine has of a heal's containers; this merges the answers
// into one observation in which each container carries its host, and says what keeps a plan from one host.
import type { ContainerInfo } from './observations';

/** What one host's worker found of a heal's containers. */
export interface HostObservation {
  host: string;
  /** Each container of the context's allowlist, as this host's engine sees it (null: not on this host). */
  containers: { ref: string; info: ContainerInfo | null }[];
  /** The containers labelled with the service on this host. */
  serviceContainers: ContainerInfo[];
}

export interface HostsObserved {
  observed: HostObservation[];
  /** Hosts whose worker did not answer in time. */
  unreachable: string[];
}

/** What a plan's `docker_host` check looks at. */
export interface HostLookup {
  unreachable: string[];
  /** Refs found on more than one host: which container the heal means is unknown. */
  ambiguous: { ref: string; hosts: string[] }[];
}

/** One observation of the containers over every host that answered; each container carries its host. */
export function mergeHostObservations(
  refs: string[],
  hosts: HostsObserved,
): { containers: { ref: string; info: ContainerInfo | null }[]; serviceContainers: ContainerInfo[]; lookup: HostLookup } {
  const ambiguous: HostLookup['ambiguous'] = [];
  const containers = refs.map((ref) => {
    const found = hosts.observed.flatMap((o) => {
      const info = o.containers.find((c) => c.ref === ref)?.info;
      return info ? [{ ...info, host: o.host }] : [];
    });
    if (found.length > 1) ambiguous.push({ ref, hosts: found.map((f) => f.host) });
    return { ref, info: found.length === 1 ? found[0]! : null };
  });
  const serviceContainers = hosts.observed.flatMap((o) => o.serviceContainers.map((c) => ({ ...c, host: o.host })));
  return { containers, serviceContainers, lookup: { unreachable: hosts.unreachable, ambiguous } };
}

/** The host of each container a plan step acts on, found among what planning observed. */
export function hostOfContainer(id: string, containers: readonly (ContainerInfo | null)[]): string | undefined {
  return containers.find((c) => c !== null && c.id === id)?.host;
}
