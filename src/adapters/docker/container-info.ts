// Maps Docker's inspect document onto the port's ContainerInfo, and compares Docker start times exactly.
import type Docker from 'dockerode';
import type { ContainerInfo, ContainerSample, ContainerState } from '../ports';

export const SERVICE_LABEL = 'selfheal.service';

const HEALTH_STATES: readonly ContainerInfo['health'][] = ['healthy', 'unhealthy', 'starting'];

export function toContainerInfo(raw: Docker.ContainerInspectInfo): ContainerInfo {
  const labels = raw.Config.Labels ?? {};
  const health = raw.State.Health?.Status as ContainerInfo['health'] | undefined;
  return {
    id: raw.Id,
    name: withoutSlash(raw.Name),
    image: raw.Config.Image,
    state: raw.State.Status as ContainerState,
    // Docker reports no Health block at all when the container has no healthcheck.
    health: health !== undefined && HEALTH_STATES.includes(health) ? health : 'none',
    startedAt: raw.State.StartedAt,
    restartCount: raw.RestartCount,
    labels,
    service: labels[SERVICE_LABEL] ?? null,
  };
}

/** The inspect document with one reading of the stats (null when the container is not running). */
export function toContainerSample(raw: Docker.ContainerInspectInfo, stats: Docker.ContainerStats | null): ContainerSample {
  const cpu = stats?.cpu_stats;
  const memory = stats?.memory_stats;
  // Page cache is reclaimable: the working set is what a memory limit kills for (as `docker stats` shows it).
  const cache = memory?.stats?.inactive_file ?? memory?.stats?.total_inactive_file ?? 0;
  return {
    info: toContainerInfo(raw),
    exitCode: raw.State.ExitCode,
    oomKilled: raw.State.OOMKilled,
    cpu: cpu && typeof cpu.system_cpu_usage === 'number' ? { totalNs: cpu.cpu_usage.total_usage, systemNs: cpu.system_cpu_usage } : null,
    memory: memory && typeof memory.usage === 'number' ? { usageBytes: Math.max(0, memory.usage - cache), limitBytes: memory.limit } : null,
  };
}

/** Docker names carry a leading '/' in inspect output; people write them either way. */
export function withoutSlash(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}

/**
 * Nanoseconds since the epoch of an RFC 3339 timestamp, or null when it is not one. Docker's StartedAt has
 * nanosecond precision and Date keeps milliseconds only, so the fraction is kept separately: two starts within
 * the same millisecond still compare as different.
 */
export function startedAtNanos(iso: string): bigint | null {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  if (!match) return null;
  const [, seconds, fraction = '', zone] = match;
  const epochMs = Date.parse(`${seconds}${zone}`);
  if (Number.isNaN(epochMs)) return null;
  return BigInt(epochMs) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
}
