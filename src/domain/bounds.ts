// Size bounds a client cannot talk its way past: how far in the future an analysis may be dated, and how many
// metric series one service may have. Pure; the API and the analyze activity call them before anything is written.

export interface Refusal {
  field: string;
  reason: string;
}

/**
 * An `at` far in the future would make every later real-time sample of the service "out of order" and keep
 * metric_recheck looking at that one analysis: at most `maxFutureSeconds` ahead of `now` (clock skew) is accepted.
 */
export function futureAtRefusal(at: number, now: number, maxFutureSeconds: number): Refusal | null {
  if (!Number.isFinite(at)) return { field: 'at', reason: 'not a valid ISO-8601 time' };
  const ahead = at - now;
  if (ahead <= maxFutureSeconds * 1000) return null;
  return { field: 'at', reason: `is ${Math.ceil(ahead / 1000)}s in the future; at most ${maxFutureSeconds}s (ANALYZE_MAX_FUTURE_SECONDS) is accepted` };
}

/** A service selfheal tracks already, or a new one and how many are tracked. */
export type ServiceLookup = { known: true } | { known: false; count: number };

/** At most `max` services are tracked: a service selfheal does not know yet is refused once there are that many. */
export function servicesRefusal(service: string, lookup: ServiceLookup, max: number): Refusal | null {
  if (lookup.known || lookup.count < max) return null;
  return { field: 'service', reason: `selfheal already tracks ${lookup.count} services and ${service} would be a new one; at most ${max} (MAX_SERVICES)` };
}

/** A service tracks at most `max` metric series: a sample that would add series beyond that is refused whole. */
export function seriesRefusal(existing: readonly string[], incoming: readonly string[], max: number): Refusal | null {
  const known = new Set(existing);
  const fresh = incoming.filter((m) => !known.has(m));
  if (known.size + fresh.length <= max) return null;
  return {
    field: `metrics.${fresh[0]}`,
    reason: `the service already tracks ${known.size} series and this sample adds ${fresh.length}; at most ${max} (MAX_SERIES_PER_SERVICE)`,
  };
}
