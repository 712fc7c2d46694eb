// Audit and event activities: idempotent writes (MERGE on ids) and confirmed publishes.
import type { EventEnvelope } from '../src/domain/events';
import type { HealAttemptRecord, HealStepRecord } from '../src/adapters/ports';
import type { ActivityDeps } from './deps';

const LEARNING_OUTCOMES = new Set(['verified', 'rolled_back', 'rollback_failed', 'failed']);

export function createRecordActivities(deps: ActivityDeps) {
  const records = {
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
  return {
    ...records,
    /**
     * recordHeal, then the steps' events in one confirmed publish, in one activity (a dry run's whole journal). The
     * events come with the seqs and time the workflow expected; they are given the stored ones. A retry writes nothing
     * twice and publishes the same events again (consumers drop duplicates by id).
     */
    async recordAndPublishHeal(input: { attempt: HealAttemptRecord; steps: HealStepRecord[]; events: EventEnvelope[] }): Promise<{ at: number; seqs: number[] }> {
      const { at, seqs } = await records.recordHeal(input);
      const { attempt } = input;
      await records.publishEvents(
        input.events.map((event, k) => {
          const seq = seqs[k] ?? input.steps[k]!.seq;
          return { ...event, id: `${attempt.id}:${seq}`, at: new Date(at).toISOString(), data: { ...event.data, seq } };
        }),
      );
      return { at, seqs };
    },
  };
}
