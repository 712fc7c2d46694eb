// The server-side inventory of what a heal may touch. A request's context only narrows it: a container is a target
// only when it carries `selfheal.service=<the heal's service>`, its service is managed (configured, or the container
// opts in with `selfheal.managed=true`), and it is none of selfheal's own infrastructure; a queue only when the
// configured allowlist of the heal's service names it and it is not one of selfheal's own (`selfheal.*`). Pure.
import type { ContainerInfo } from './observations';

export const SERVICE_LABEL = 'selfheal.service';
/** Opt-in marker: a labelled container whose service is not in the managed list may still be healed. */
export const MANAGED_LABEL = 'selfheal.managed';
/** Marks selfheal's own infrastructure (Temporal, Neo4j, RabbitMQ, the API, the worker): never a target. */
export const INFRASTRUCTURE_LABEL = 'selfheal.infrastructure';
/** Queues selfheal itself uses (the event relay): never a backpressure target, whatever the allowlist says. */
export const RESERVED_QUEUE_PREFIX = 'selfheal.';

export interface QueueAllowEntry {
  /** A service pattern (`*` matches any run of characters). */
  service: string;
  /** A queue pattern; `{service}` stands for the heal's service. */
  queue: string;
}

export interface InventoryPolicy {
  /** Service patterns whose labelled containers may be acted on without the opt-in marker. */
  managedServices: string[];
  /** Service patterns that are never healed (selfheal's own infrastructure by name). */
  protectedServices: string[];
  queueAllowlist: QueueAllowEntry[];
}

/** A glob with `*` only, anchored; every other character literal. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

export function matchesAny(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => globToRegExp(p).test(name));
}

/** Why a service may not be healed at all, or null. */
export function serviceRefusal(service: string, policy: InventoryPolicy): string | null {
  if (matchesAny(service, policy.protectedServices)) return `service ${service} is selfheal's own infrastructure (HEAL_PROTECTED_SERVICES)`;
  return null;
}

/** Why the container may not be touched by a heal of `service`, or null when it may. */
export function containerRefusal(info: ContainerInfo, service: string, policy: InventoryPolicy): string | null {
  const label = info.labels[SERVICE_LABEL];
  if (info.labels[INFRASTRUCTURE_LABEL] === 'true') return `${info.name} is selfheal infrastructure (${INFRASTRUCTURE_LABEL}=true)`;
  if (label === undefined || label === '') return `${info.name} has no ${SERVICE_LABEL} label: unlabelled containers are never touched`;
  if (label !== service) return `${info.name} belongs to ${label}, not ${service}`;
  const protectedWhy = serviceRefusal(service, policy);
  if (protectedWhy) return protectedWhy;
  if (!matchesAny(service, policy.managedServices) && info.labels[MANAGED_LABEL] !== 'true') {
    return `${info.name}: service ${service} is not managed (neither in HEAL_MANAGED_SERVICES nor labelled ${MANAGED_LABEL}=true)`;
  }
  return null;
}

/** Why a heal of `service` may not put backpressure on `queue`, or null when it may. */
export function queueRefusal(queue: string, service: string, policy: InventoryPolicy): string | null {
  if (queue.startsWith(RESERVED_QUEUE_PREFIX)) return `queue ${queue} is selfheal's own (${RESERVED_QUEUE_PREFIX}*)`;
  const allowed = policy.queueAllowlist.some(
    (e) => globToRegExp(e.service).test(service) && globToRegExp(e.queue.split('{service}').join(service)).test(queue),
  );
  return allowed ? null : `queue ${queue} is not in the allowlist of ${service} (HEAL_QUEUE_ALLOWLIST)`;
}

/**
 * HEAL_QUEUE_ALLOWLIST: comma-separated `service=queue` entries, both glob patterns (`*`), `{service}` in the queue
 * pattern standing for the heal's service. E.g. `checkout=checkout.*,*={service}.work`.
 */
export function parseQueueAllowlist(raw: string[]): { entries: QueueAllowEntry[]; problems: string[] } {
  const entries: QueueAllowEntry[] = [];
  const problems: string[] = [];
  for (const item of raw) {
    const eq = item.indexOf('=');
    const service = item.slice(0, eq).trim();
    const queue = item.slice(eq + 1).trim();
    if (eq <= 0 || service === '' || queue === '') {
      problems.push(`HEAL_QUEUE_ALLOWLIST entry ${JSON.stringify(item)}: expected service=queue (glob patterns, e.g. checkout=checkout.*)`);
    } else if (queue === '*' || queue.startsWith(RESERVED_QUEUE_PREFIX) || queue.startsWith('selfheal*')) {
      problems.push(`HEAL_QUEUE_ALLOWLIST entry ${JSON.stringify(item)}: the queue pattern would cover selfheal's own queues (${RESERVED_QUEUE_PREFIX}*)`);
    } else entries.push({ service, queue });
  }
  return { entries, problems };
}
