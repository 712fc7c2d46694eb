// Audit and event activities: idempotent writes (MERGE on ids) and confirmed publishes.
import type { EventEnvelope } from '../src/domain/events';
import type { HealAttemptRecord, HealStepRecord } from '../src/adapters/ports';
import type { ActivityDeps } from './deps';

const LEARNING_OUTCOMES = new Set(['verified', 'rolled_back', 'rollback_failed', 'failed']);

export function createRecordActivities(deps: ActivityDeps) {
  return {
    /**
     * Writes the attempt and its new steps, stamping the time on first write (a retry keeps the first stamp).
     * A finished applied heal also becomes a learning outcome; dry runs and refusals never do. Returns the stamp and
     * each step's stored seq (a reset run's steps are numbered after those of the run it was reset from).
     */
    async recordHeal(input: { attempt: HealAttemptRecord; steps: HealStepRecord[] }): Promise<{ at: number; seqs: number[] }> {
      const at = deps.now();
      const attempt = { ...input.attempt, at: input.attempt.at || at, finishedAt: input.attempt.finishedAt === null ? null : at };
      const seqs = await deps.auditStore.recordHeal(attempt, input.steps.map((s) => ({ ...s, at: s.at || at })));
      if (attempt.finishedAt !== null) deps.counters.healFinished(attempt.outcome, attempt.strategy, attempt.dryRun);
      if (attempt.finishedAt !== null && !attempt.dryRun && attempt.applied && attempt.strategy && LEARNING_OUTCOMES.has(attempt.outcome)) {
        await deps.learningStore.recordOutcome({
          attemptId: attempt.id,
          issueType: attempt.issueType,
          strategy: attempt.strategy,
          success: attempt.outcome === 'verified',
          at,
        });
      }
      return { at, seqs };
    },

    async publishEvents(events: EventEnvelope[]): Promise<void> {
      await deps.publisher.publish(events);
    },
  };
}
