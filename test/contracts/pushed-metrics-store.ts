// The PushedMetricsStore contract, run against FakePushedMetricsStore (unit) and Neo4jPushedMetricsStore
// (integration). Each test pushes for services of its own, so what it takes is its own, also in a shared database.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PushedMetricsStore } from '../../src/adapters/ports';
import { PUSH_MAX_PENDING_PER_SERVICE, type PushedSample } from '../../src/domain/autopilot/pushed';

export interface PushedMetricsStoreSubject {
  store: PushedMetricsStore;
  /** Services this suite pushed for, for the real store's cleanup. */
  services: string[];
}

const T = 1_780_000_000_000;

export function describePushedMetricsStoreContract(name: string, subject: () => PushedMetricsStoreSubject): void {
  describe(`PushedMetricsStore contract: ${name}`, () => {
    function service(): string {
      const s = `push-contract-${randomUUID().slice(0, 8)}`;
      subject().services.push(s);
      return s;
    }
    const sample = (svc: string, id: string, at: number, metrics: Record<string, number> = { error_rate: 0.01 }): PushedSample => ({ key: `${svc}:${id}`, service: svc, at, metrics });
    const take = (svc: string, tickId: string, at = T, limit = 100, forgetBefore = 0) => subject().store.takePending({ service: svc, tickId, limit, at, forgetBefore });

    it('stores each key once: a retried batch is all duplicates, a new sample among old ones is accepted', async () => {
      const { store } = subject();
      const svc = service();
      expect(await store.storeBatch([sample(svc, 'a', T), sample(svc, 'b', T + 1)], T)).toEqual({ accepted: 2, duplicate: 0 });
      expect(await store.storeBatch([sample(svc, 'a', T, { error_rate: 9 }), sample(svc, 'b', T + 1)], T)).toEqual({ accepted: 0, duplicate: 2 });
      expect(await store.storeBatch([sample(svc, 'a', T), sample(svc, 'c', T + 2)], T)).toEqual({ accepted: 1, duplicate: 1 });
      // The first value of a key is the one kept.
      expect((await take(svc, 't1')).map((s) => [s.key, s.at, s.metrics])).toEqual([
        [`${svc}:a`, T, { error_rate: 0.01 }],
        [`${svc}:b`, T + 1, { error_rate: 0.01 }],
        [`${svc}:c`, T + 2, { error_rate: 0.01 }],
      ]);
    });

    it('a tick takes its service’s pending samples oldest first, bounded; asked again, the same ones; the next tick the rest', async () => {
      const { store } = subject();
      const svc = service();
      const other = service();
      await store.storeBatch([sample(svc, 'late', T + 5), sample(svc, 'early', T + 1), sample(svc, 'mid', T + 3), sample(other, 'x', T)], T);
      const first = await take(svc, 'tick-1', T, 2);
      expect(first.map((s) => s.key)).toEqual([`${svc}:early`, `${svc}:mid`]);
      await store.storeBatch([sample(svc, 'newer', T + 9)], T);
      expect(await take(svc, 'tick-1', T, 2)).toEqual(first);
      expect((await take(svc, 'tick-2', T, 2)).map((s) => s.key)).toEqual([`${svc}:late`, `${svc}:newer`]);
      expect(await take(svc, 'tick-3', T, 2)).toEqual([]);
      expect((await take(other, 'tick-o')).map((s) => s.service)).toEqual([other]);
    });

    it('a tick that took nothing takes nothing when asked again, even after a push arrived; the next tick takes it', async () => {
      const { store } = subject();
      const svc = service();
      expect(await take(svc, 'tick-1')).toEqual([]);
      await store.storeBatch([sample(svc, 'a', T + 1)], T);
      // A retried sample of tick-1 whose analysis was already recorded without the push must not take it.
      expect(await take(svc, 'tick-1')).toEqual([]);
      expect((await take(svc, 'tick-2')).map((s) => s.key)).toEqual([`${svc}:a`]);
      expect((await take(svc, 'tick-2')).map((s) => s.key)).toEqual([`${svc}:a`]);
      // A later empty take is remembered under its own tick.
      expect(await take(svc, 'tick-3')).toEqual([]);
      await store.storeBatch([sample(svc, 'b', T + 2)], T);
      expect(await take(svc, 'tick-3')).toEqual([]);
      expect((await take(svc, 'tick-4')).map((s) => s.key)).toEqual([`${svc}:b`]);
    });

    it('a taken sample is still a duplicate until it is forgotten; after that its key is new again', async () => {
      const { store } = subject();
      const svc = service();
      await store.storeBatch([sample(svc, 'a', T)], T);
      await take(svc, 'tick-1', T);
      expect(await store.storeBatch([sample(svc, 'a', T)], T)).toEqual({ accepted: 0, duplicate: 1 });
      // A later tick forgets samples taken before forgetBefore.
      expect(await take(svc, 'tick-2', T + 10, 100, T + 1)).toEqual([]);
      expect(await store.storeBatch([sample(svc, 'a', T)], T)).toEqual({ accepted: 1, duplicate: 0 });
    });

    it('a batch that would leave more than the bound of a service pending stores nothing; taking makes room', async () => {
      const { store } = subject();
      const svc = service();
      const other = service();
      const full = Array.from({ length: PUSH_MAX_PENDING_PER_SERVICE }, (_, i) => sample(svc, `n${i}`, T + i));
      expect(await store.storeBatch(full, T)).toEqual({ accepted: PUSH_MAX_PENDING_PER_SERVICE, duplicate: 0 });
      expect(await store.storeBatch([sample(other, 'o', T), sample(svc, 'one-more', T)], T)).toEqual({ full: { service: svc, pending: PUSH_MAX_PENDING_PER_SERVICE } });
      expect(await take(other, 'tick-o')).toEqual([]);
      await take(svc, 'tick-1', T, 1);
      expect(await store.storeBatch([sample(other, 'o', T), sample(svc, 'one-more', T)], T)).toEqual({ accepted: 2, duplicate: 0 });
    });
  });
}
