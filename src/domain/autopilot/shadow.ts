// Shadow comparisons: for each decision the autopilot only recorded in `shadow`, what happened next to its incident
// (did it resolve by itself, and how long did it last), summed up per (service, strategy). The evidence an operator
// reads before promoting a strategy to `auto`. Pure: the store returns one row per shadow decision.

/** One shadow decision and what its incident did afterwards. */
export interface ShadowOutcome {
  service: string;
  strategy: string | null;
  decidedAt: number;
  openedAt: number;
  /** When the incident resolved; null while it is still active. */
  closedAt: number | null;
  /** Heals its incident started later (a later decision at another level, or a person through the API). */
  attempts: number;
  escalated: boolean;
}

export interface ShadowComparison {
  service: string;
  strategy: string | null;
  /** Shadow decisions. */
  decisions: number;
  /** Incidents that resolved with no heal at all. */
  selfResolved: number;
  /** selfResolved / decisions; null without decisions. */
  selfResolvedShare: number | null;
  /** Incidents that got a heal after the shadow decision (someone, or a later decision, acted). */
  healedLater: number;
  /** Incidents still active (open, mitigating or escalated without resolving). */
  stillActive: number;
  /** How long the self-resolved incidents lasted, opened to resolved (ms); null when none did. */
  medianSelfResolvedMs: number | null;
  p95SelfResolvedMs: number | null;
  /** Every resolved incident of these decisions, healed or not (ms). */
  medianResolvedMs: number | null;
  p95ResolvedMs: number | null;
}

/** The nearest-rank percentile (p in 0..100) of values; null for none. A median of an even count is the lower one. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

/** Groups by (service, strategy), sorted by service then strategy. */
export function compareShadows(outcomes: readonly ShadowOutcome[]): ShadowComparison[] {
  const groups = new Map<string, ShadowOutcome[]>();
  for (const o of outcomes) {
    const key = JSON.stringify([o.service, o.strategy]);
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  return [...groups.values()]
    .map((rows) => summary(rows))
    .sort((a, b) => a.service.localeCompare(b.service) || (a.strategy ?? '').localeCompare(b.strategy ?? ''));
}

function summary(rows: ShadowOutcome[]): ShadowComparison {
  const first = rows[0]!;
  const resolved = rows.filter((r) => r.closedAt !== null);
  const self = resolved.filter((r) => r.attempts === 0 && !r.escalated);
  const lasted = (r: ShadowOutcome) => (r.closedAt as number) - r.openedAt;
  return {
    service: first.service,
    strategy: first.strategy,
    decisions: rows.length,
    selfResolved: self.length,
    selfResolvedShare: self.length / rows.length,
    healedLater: rows.filter((r) => r.attempts > 0).length,
    stillActive: rows.length - resolved.length,
    medianSelfResolvedMs: percentile(self.map(lasted), 50),
    p95SelfResolvedMs: percentile(self.map(lasted), 95),
    medianResolvedMs: percentile(resolved.map(lasted), 50),
    p95ResolvedMs: percentile(resolved.map(lasted), 95),
  };
}
