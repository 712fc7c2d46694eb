// PushedMetricsStore in memory, kept in step with Neo4jPushedMetricsStore by test/contracts/pushed-metrics-store.ts.
import type { PushedBatchResult, PushedMetricsStore } from '../../src/adapters/ports';
import { PUSH_MAX_PENDING_PER_SERVICE, type PushedSample } from '../../src/domain/autopilot/pushed';

interface Stored extends PushedSample {
  takenBy: string | null;
  takenAt: number | null;
  receivedAt: number;
}

export class FakePushedMetricsStore implements PushedMetricsStore {
  readonly samples = new Map<string, Stored>();
  /** Per service, the last tick that took nothing. */
  private readonly emptyTakes = new Map<string, string>();
  /** When set, every call fails with it (the store out of reach). */
  failWith: Error | null = null;

  async storeBatch(samples: readonly PushedSample[], receivedAt: number): Promise<PushedBatchResult> {
    if (this.failWith) throw this.failWith;
    for (const service of new Set(samples.map((s) => s.service))) {
      const pending = [...this.samples.values()].filter((s) => s.service === service && s.takenBy === null).length;
      const incoming = samples.filter((s) => s.service === service).length;
      if (pending + incoming > PUSH_MAX_PENDING_PER_SERVICE) return { full: { service, pending } };
    }
    const fresh = samples.filter((s) => !this.samples.has(s.key));
    for (const s of fresh) this.samples.set(s.key, { ...structuredClone(s), takenBy: null, takenAt: null, receivedAt });
    return { accepted: fresh.length, duplicate: samples.length - fresh.length };
  }

  async takePending(input: { service: string; tickId: string; limit: number; at: number; forgetBefore: number }): Promise<PushedSample[]> {
    if (this.failWith) throw this.failWith;
    const ofService = [...this.samples.values()].filter((s) => s.service === input.service).sort((a, b) => a.at - b.at || a.key.localeCompare(b.key));
    const again = ofService.filter((s) => s.takenBy === input.tickId);
    if (again.length > 0) return again.map(plain);
    for (const s of ofService.filter((s) => s.takenAt !== null && s.takenAt < input.forgetBefore).slice(0, input.limit)) this.samples.delete(s.key);
    const tookNothing = this.emptyTakes.get(input.service) === input.tickId;
    const taken = tookNothing ? [] : ofService.filter((s) => s.takenBy === null).slice(0, input.limit);
    for (const s of taken) Object.assign(s, { takenBy: input.tickId, takenAt: input.at });
    if (taken.length === 0) this.emptyTakes.set(input.service, input.tickId);
    return taken.map(plain);
  }
}

function plain({ key, service, at, metrics }: Stored): PushedSample {
  return { key, service, at, metrics: { ...metrics } };
}
