// From what the Docker engine says about a service's containers to the watch's two inputs: numeric series for the
// detector and the troubles an incident groups. Pure.
import type { ContainerObservation } from '../types';
import type { ContainerSample, CpuCounters } from '../observations';

/** The CPU counters of each container at the previous sample, by container id: the next sample's rate needs them. */
export type CpuMemory = Record<string, CpuCounters>;

/**
 * The share of the host's CPU time the container used between two samples (0..1), or null without an earlier
 * sample of the same container or when the host's counter did not move (Docker's own formula, per host not per core).
 */
export function cpuShare(before: CpuCounters | undefined, now: CpuCounters): number | null {
  if (!before) return null;
  const used = now.totalNs - before.totalNs;
  const elapsed = now.systemNs - before.systemNs;
  if (elapsed <= 0 || used < 0) return null;
  return Math.min(1, used / elapsed);
}

export interface ServiceSignals {
  metrics: Record<string, number>;
  troubles: string[];
  cpu: CpuMemory;
  containerStates: ContainerObservation[];
}

/** Series names: `cpu_share.<container>` and `mem_share.<container>` (of its memory limit, or of the host's). */
export function signalsOf(samples: readonly ContainerSample[], before: CpuMemory): ServiceSignals {
  const metrics: Record<string, number> = {};
  const troubles: string[] = [];
  const cpu: CpuMemory = {};
  const containerStates: ContainerObservation[] = [];
  for (const s of samples) {
    const { info } = s;
    containerStates.push({ id: info.id, name: info.name, service: info.service ?? undefined, state: info.state, health: info.health, restart_count: info.restartCount });
    troubles.push(...troublesOf(s));
    if (s.cpu) {
      cpu[info.id] = s.cpu;
      const share = cpuShare(before[info.id], s.cpu);
      if (share !== null) metrics[`cpu_share.${info.name}`] = share;
    }
    if (s.memory && s.memory.limitBytes > 0) metrics[`mem_share.${info.name}`] = s.memory.usageBytes / s.memory.limitBytes;
  }
  return { metrics, troubles, cpu, containerStates };
}

function troublesOf({ info, oomKilled }: ContainerSample): string[] {
  const out: string[] = [];
  if (info.state === 'exited' || info.state === 'dead' || info.state === 'restarting') out.push(containerTrouble(info.name, info.state));
  else if (info.health === 'unhealthy') out.push(containerTrouble(info.name, 'unhealthy'));
  if (oomKilled) out.push(containerTrouble(info.name, 'oom_killed'));
  return out;
}

const CONTAINER_TROUBLE = 'container:';

/** A container's trouble as incidents group it: `container:<name>:<state>` (Docker names hold no colon). */
function containerTrouble(name: string, state: string): string {
  return `${CONTAINER_TROUBLE}${name}:${state}`;
}

/** The container and state of a container's trouble; null for any other trouble (a metric's). */
export function parseContainerTrouble(trouble: string): { name: string; state: string } | null {
  if (!trouble.startsWith(CONTAINER_TROUBLE)) return null;
  const cut = trouble.lastIndexOf(':');
  return { name: trouble.slice(CONTAINER_TROUBLE.length, cut), state: trouble.slice(cut + 1) };
}

/** Whether the watch can see the service, since when, and why not. */
export interface Sight {
  blind: boolean;
  reason: string | null;
  since: number;
}

export function nextSight(before: Sight | null, blind: string | null, at: number): { sight: Sight; changed: boolean } {
  const now = blind !== null;
  if (before && before.blind === now && before.reason === blind) return { sight: before, changed: false };
  // A blind spell whose reason changes is still one spell: `since` stays.
  const since = before && before.blind === now ? before.since : at;
  return { sight: { blind: now, reason: blind, since }, changed: true };
}
