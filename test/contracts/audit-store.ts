// The AuditStore contract: one suite, run against FakeAuditStore in the unit project and against Neo4jAuditStore on
// the real Neo4j in the integration project, so the fake cannot drift from the adapter unnoticed. Each test works on
// a service and attempt ids of its own, and on times far in the future, so a shared database does not disturb it.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AuditStore, HealAttemptRecord, HealStepRecord } from '../../src/adapters/ports';

export interface AuditStoreSubject {
  store: AuditStore;
  /** Services this suite used, for the real store's cleanup. */
  services: string[];
}

/** A time no other test writes at: the counts since it are this test's own. */
const future = () => Date.parse('2200-01-01') + Math.floor(Math.random() * 1e12);

export function describeAuditStoreContract(name: string, subject: () => AuditStoreSubject): void {
  describe(`AuditStore contract: ${name}`, () => {
    function service(): string {
      const s = `contract-${randomUUID().slice(0, 8)}`;
      subject().services.push(s);
      return s;
    }

    function attempt(svc: string, over: Partial<HealAttemptRecord> = {}): HealAttemptRecord {
      const id = over.id ?? randomUUID();
      return {
        id,
        at: Date.now(),
        workflowId: `heal-${svc}`,
        runId: id,
        service: svc,
        strategy: 'restart_unhealthy',
        dryRun: false,
        applied: true,
        verified: false,
        outcome: 'running',
        issueType: 'degradation',
        rootCause: 'contract test',
        actor: 'tester',
        requestId: randomUUID(),
        diagnosis: { issue_type: 'degradation', root_cause: 'contract test', confidence: 0.9, impacted_components: [svc], recommended_strategies: [] },
        plan: null,
        reasons: [],
        finishedAt: null,
        ...over,
      };
    }

    function step(attemptId: string, seq: number, id = `${attemptId}:${seq}`): HealStepRecord {
      return { id, attemptId, seq, step: 'planned', status: 'ok', detail: `step ${seq}`, data: { seq }, at: Date.now() };
    }

    it('appliedHeals lists the applied, non-dry-run attempts of one service since a time, newest first', async () => {
      const { store } = subject();
      const svc = service();
      const t = future();
      await store.recordHealAttempt(attempt(svc, { id: `${t}-old`, at: t - 10 }));
      await store.recordHealAttempt(attempt(svc, { id: `${t}-a`, at: t + 1, strategy: 'scale_service', outcome: 'verified' }));
      await store.recordHealAttempt(attempt(svc, { id: `${t}-b`, at: t + 2 }));
      await store.recordHealAttempt(attempt(svc, { id: `${t}-dry`, at: t + 3, dryRun: true }));
      await store.recordHealAttempt(attempt(svc, { id: `${t}-refused`, at: t + 4, applied: false, outcome: 'refused' }));
      await store.recordHealAttempt(attempt(service(), { id: `${t}-other`, at: t + 5 }));
      expect(await store.appliedHeals(svc, t)).toEqual([
        { attemptId: `${t}-b`, service: svc, strategy: 'restart_unhealthy', at: t + 2, outcome: 'running' },
        { attemptId: `${t}-a`, service: svc, strategy: 'scale_service', at: t + 1, outcome: 'verified' },
      ]);
      expect(await store.countAppliedHeals(t)).toBe(3);
    });

    it('keeps an attempt’s first time and follows its progress; a late unfinished state of the same run does not undo its end', async () => {
      const { store } = subject();
      const svc = service();
      const t = future();
      const first = attempt(svc, { at: t });
      await store.recordHealAttempt(first);
      await store.recordHealAttempt({ ...first, at: t + 50, outcome: 'verified', verified: true, finishedAt: t + 60 });
      await store.recordHealAttempt({ ...first, at: t + 70, outcome: 'running', finishedAt: null });
      expect(await store.appliedHeals(svc, t)).toEqual([{ attemptId: first.id, service: svc, strategy: 'restart_unhealthy', at: t, outcome: 'verified' }]);
      // A reset run (another run id) may take a finished attempt back to running.
      await store.recordHealAttempt({ ...first, runId: randomUUID(), outcome: 'running', finishedAt: null });
      expect((await store.appliedHeals(svc, t))[0]?.outcome).toBe('running');
    });

    it('records a step once however often it is recorded, and moves a new step whose seq is taken after the last', async () => {
      const { store } = subject();
      const svc = service();
      const a = attempt(svc);
      await store.recordHealAttempt(a);
      expect(await store.recordHealSteps([step(a.id, 1), step(a.id, 2)])).toEqual([1, 2]);
      expect(await store.recordHealSteps([step(a.id, 2)])).toEqual([2]);
      // A reset run numbers its steps from 1 again: they go after the first run's steps.
      expect(await store.recordHealSteps([step(a.id, 1, `reset-run:1`)])).toEqual([3]);
      expect(await store.recordHealSteps([step(a.id, 1, `reset-run:1`)])).toEqual([3]);
      expect(await store.recordHealSteps([step(a.id, 4, `reset-run:2`)])).toEqual([4]);
      expect(await store.recordHealSteps([])).toEqual([]);
    });

    it('records an attempt with its steps in one call as the two calls would', async () => {
      const { store } = subject();
      const svc = service();
      const t = future();
      const a = attempt(svc, { at: t });
      expect(await store.recordHeal(a, [step(a.id, 1), step(a.id, 2)])).toEqual([1, 2]);
      expect(await store.recordHeal({ ...a, at: t + 50, outcome: 'verified', verified: true, finishedAt: t + 60 }, [step(a.id, 2), step(a.id, 3)])).toEqual([2, 3]);
      expect(await store.recordHeal({ ...a, at: t + 70 }, [])).toEqual([]);
      expect(await store.appliedHeals(svc, t)).toEqual([{ attemptId: a.id, service: svc, strategy: 'restart_unhealthy', at: t, outcome: 'verified' }]);
      expect(await store.recordHealSteps([step(a.id, 1, `${a.id}-reset:1`)])).toEqual([4]);
    });

    it('numbers a batch of new steps with taken seqs uniquely, after the last', async () => {
      const { store } = subject();
      const a = attempt(service());
      await store.recordHealAttempt(a);
      await store.recordHealSteps([step(a.id, 1), step(a.id, 2)]);
      const seqs = await store.recordHealSteps([step(a.id, 1, 'x:1'), step(a.id, 2, 'x:2')]);
      expect(seqs.every((s) => s > 2)).toBe(true);
      expect(seqs[1]).toBeGreaterThan(seqs[0]!);
    });
  });
}
