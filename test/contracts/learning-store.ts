// The LearningStore contract, run against FakeLearningStore (unit) and Neo4jLearningStore (integration). Each test
// uses an issue type of its own, so the outcomes and choices it reads are its own, also in a shared database.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LearningStore } from '../../src/adapters/ports';

export interface LearningStoreSubject {
  store: LearningStore;
  /** Issue types this suite used, for the real store's cleanup. */
  issueTypes: string[];
}

export function describeLearningStoreContract(name: string, subject: () => LearningStoreSubject): void {
  describe(`LearningStore contract: ${name}`, () => {
    function issueType(): string {
      const t = `contract-${randomUUID().slice(0, 8)}`;
      subject().issueTypes.push(t);
      return t;
    }

    it('keeps the first outcome of an attempt, and reads one issue type’s outcomes oldest first', async () => {
      const { store } = subject();
      const it1 = issueType();
      const other = issueType();
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      await store.recordOutcome({ attemptId: b, issueType: it1, strategy: 'scale_service', success: false, at: 2000 });
      await store.recordOutcome({ attemptId: a, issueType: it1, strategy: 'restart_unhealthy', success: true, at: 1000 });
      // A retried activity: neither a duplicate nor a rewrite.
      await store.recordOutcome({ attemptId: a, issueType: it1, strategy: 'restart_unhealthy', success: false, at: 3000 });
      await store.recordOutcome({ attemptId: c, issueType: other, strategy: 'scale_service', success: true, at: 500 });
      expect(await store.outcomes(it1)).toEqual([
        { attemptId: a, issueType: it1, strategy: 'restart_unhealthy', success: true, at: 1000 },
        { attemptId: b, issueType: it1, strategy: 'scale_service', success: false, at: 2000 },
      ]);
      const all = await store.outcomes();
      expect(all.filter((o) => o.issueType === it1 || o.issueType === other).map((o) => o.attemptId)).toEqual([c, a, b]);
    });

    it('keeps the first choice of an attempt, and reads one issue type’s choices oldest first', async () => {
      const { store } = subject();
      const it1 = issueType();
      const [a, b] = [randomUUID(), randomUUID()];
      await store.recordChoice({ attemptId: a, issueType: it1, strategy: 'scale_service', at: 2000 });
      await store.recordChoice({ attemptId: b, issueType: it1, strategy: 'restart_unhealthy', at: 1000 });
      await store.recordChoice({ attemptId: a, issueType: it1, strategy: 'rolling_restart', at: 500 });
      expect(await store.choices(it1)).toEqual([
        { issueType: it1, strategy: 'restart_unhealthy', at: 1000 },
        { issueType: it1, strategy: 'scale_service', at: 2000 },
      ]);
    });
  });
}
