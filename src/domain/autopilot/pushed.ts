// Metrics pushed by clients in batches (POST /api/self_healing/metrics/batch): what a pending sample is, how the
// watch folds the samples it took into its one analysis, and when a service fed by pushes is blind. Pure.

/** At most this many samples in one batch, and taken by one sample of a watch. */
export const PUSH_BATCH_MAX_SAMPLES = 1000;
/**
 * At most this many samples of one service wait to be taken: a service no watch takes (not in the policy, or not
 * marked `push`) cannot fill the database, and a client far ahead of its watch is told to slow down.
 */
export const PUSH_MAX_PENDING_PER_SERVICE = 10_000;
/** A service fed only by pushes is blind once no sample has arrived for this many watch intervals. */
export const PUSH_STALE_INTERVALS = 5;
/** A taken sample is kept this long, so a client's retry of it within that time is still a duplicate. */
export const PUSH_KEEP_TAKEN_MS = 60 * 60 * 1000;

export interface PushedSample {
  /** `<service>:<client's id>`: unique across services (a service name has no `:`). */
  key: string;
  service: string;
  at: number;
  metrics: Record<string, number>;
}

/** The newest value of each series among the samples (ties: the later sample in the list), named as pushed. */
export function newestPerSeries(samples: readonly PushedSample[]): Record<string, number> {
  const newest: Record<string, { at: number; value: number }> = {};
  for (const s of samples) {
    for (const [metric, value] of Object.entries(s.metrics)) {
      const seen = newest[metric];
      if (!seen || s.at >= seen.at) newest[metric] = { at: s.at, value };
    }
  }
  return Object.fromEntries(Object.entries(newest).map(([m, v]) => [m, v.value]));
}

/** When the watch last took a pushed sample (its first sample counts as one: a fresh watch is given time). */
export interface PushMemory {
  lastAt: number;
}

/**
 * The push source after one sample that took `taken` samples: its memory, and the reason it is blind when nothing
 * has been pushed for more than PUSH_STALE_INTERVALS intervals. Silence is never taken for health.
 */
export function pushSight(before: PushMemory | undefined, taken: number, at: number, intervalSeconds: number): { memory: PushMemory; blind: string | null } {
  const lastAt = taken > 0 || !before ? at : before.lastAt;
  const silentMs = at - lastAt;
  const limitMs = PUSH_STALE_INTERVALS * intervalSeconds * 1000;
  return {
    memory: { lastAt },
    blind: silentMs > limitMs ? `push: no sample pushed for ${Math.round(silentMs / 1000)}s (more than ${PUSH_STALE_INTERVALS} intervals of ${intervalSeconds}s)` : null,
  };
}
