// Readiness: each dependency a process needs answers within a bounded time. Used by the API's /readyz and the
// worker's health server; the answer names the failing dependency and a short, fixed reason, never a driver message
// (the probes are unauthenticated).

export interface DependencyCheck {
  name: string;
  /** Resolves when the dependency answers; rejects (or exceeds the timeout) when it does not. */
  check(): Promise<unknown>;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, 'ok' | 'unavailable' | 'timeout'>;
  failing: string[];
}

export async function checkReadiness(checks: readonly DependencyCheck[], timeoutMs = 1500): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (c): Promise<[string, ReadinessReport['checks'][string]]> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      try {
        const outcome = await Promise.race([c.check().then(() => 'ok' as const), timeout]);
        return [c.name, outcome];
      } catch {
        return [c.name, 'unavailable'];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const failing = results.filter(([, r]) => r !== 'ok').map(([name]) => name);
  return { ready: failing.length === 0, checks: Object.fromEntries(results), failing };
}
