// In memory, the AuditStore port as Neo4jAuditStore keeps it (test/contracts/audit-store.ts holds both to it):
// idempotent attempts whose fixed fields are set once, steps merged on their id, a taken seq moved after the last.
import type { AppliedHealSummary, AuditStore, HealAttemptRecord, HealStepRecord } from '../../src/adapters/ports';

export class FakeAuditStore implements AuditStore {
  readonly attempts = new Map<string, HealAttemptRecord>();
  /** Steps by attempt id, in the order they were stored. */
  readonly steps = new Map<string, HealStepRecord[]>();

  async recordHealAttempt(attempt: HealAttemptRecord): Promise<void> {
    const old = this.attempts.get(attempt.id);
    if (!old) {
      this.attempts.set(attempt.id, structuredClone(attempt));
      return;
    }
    // A finished attempt ignores a late unfinished state of the same run (a retry that landed after the end).
    const stale = old.finishedAt !== null && attempt.finishedAt === null && old.runId === attempt.runId;
    if (stale) return;
    const { strategy, applied, verified, outcome, reasons, plan, finishedAt } = structuredClone(attempt);
    this.attempts.set(attempt.id, { ...old, strategy, applied, verified, outcome, reasons, plan, finishedAt });
  }

  async recordHeal(attempt: HealAttemptRecord, steps: HealStepRecord[]): Promise<number[]> {
    await this.recordHealAttempt(attempt);
    return this.recordHealSteps(steps);
  }

  async recordHealSteps(steps: HealStepRecord[]): Promise<number[]> {
    const seqs: number[] = [];
    steps.forEach((step, i) => {
      const stored = this.steps.get(step.attemptId) ?? [];
      this.steps.set(step.attemptId, stored);
      const existing = stored.find((s) => s.id === step.id);
      if (existing) {
        seqs.push(existing.seq);
        return;
      }
      const top = Math.max(0, ...stored.map((s) => s.seq));
      const taken = stored.some((s) => s.seq === step.seq);
      const seq = taken ? top + 1 + i : step.seq;
      stored.push({ ...structuredClone(step), seq });
      seqs.push(seq);
    });
    return seqs;
  }

  async appliedHeals(service: string, sinceMs: number): Promise<AppliedHealSummary[]> {
    return [...this.attempts.values()]
      .filter((a) => a.service === service && a.at >= sinceMs && a.applied && !a.dryRun)
      .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
      .map((a) => ({ attemptId: a.id, service: a.service, strategy: a.strategy, at: a.at, outcome: a.outcome }));
  }

  async countAppliedHeals(sinceMs: number): Promise<number> {
    return [...this.attempts.values()].filter((a) => a.at >= sinceMs && a.applied && !a.dryRun).length;
  }
}
