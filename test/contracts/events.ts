// The event relay contract (EventPublisher + EventFeed), run against the in-memory FakeEventBus (unit) and the
// RabbitMQ adapters on the real broker (integration): every API instance gets every event once per id, and what is
// published while an instance's feed is down waits for its next start.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EventFeed, EventPublisher } from '../../src/adapters/ports';
import { EVENT_VERSION, type EventEnvelope } from '../../src/domain/events';

export interface EventsSubject {
  publisher: EventPublisher;
  /** A new feed of the API instance `instanceId` (several over time may share one instance id). */
  feed(instanceId: string): EventFeed;
}

function event(step: EventEnvelope['step'] = 'planned'): EventEnvelope {
  return { id: randomUUID(), type: 'heal', version: EVENT_VERSION, at: new Date().toISOString(), workflowId: 'heal-contract', runId: 'run-1', service: 'contract', step, data: { n: 1 } };
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Long enough for a late duplicate to show up on a real broker. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

export function describeEventsContract(name: string, subject: () => EventsSubject): void {
  describe(`EventPublisher and EventFeed contract: ${name}`, () => {
    const instance = () => `contract-${randomUUID().slice(0, 8)}`;

    it('every instance gets every published event once, duplicates dropped', async () => {
      const { publisher, feed } = subject();
      const [a, b] = [feed(instance()), feed(instance())];
      const seenA: EventEnvelope[] = [];
      const seenB: EventEnvelope[] = [];
      await a.start((e) => seenA.push(e));
      await b.start((e) => seenB.push(e));
      const [e1, e2] = [event('planned'), event('completed')];
      await publisher.publish([e1, e2]);
      await publisher.publish([e1]);
      await publisher.publish([]);
      await until('both instances to get both events', () => seenA.length >= 2 && seenB.length >= 2);
      await settle();
      for (const seen of [seenA, seenB]) expect([...seen].sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual([e1, e2].sort((x, y) => (x.id < y.id ? -1 : 1)));
      await Promise.all([a.close(), b.close()]);
    });

    it('what is published while an instance’s feed is down is delivered by its next feed', async () => {
      const { publisher, feed } = subject();
      const id = instance();
      const first = feed(id);
      const seenFirst: EventEnvelope[] = [];
      await first.start((e) => seenFirst.push(e));
      const before = event('planned');
      await publisher.publish([before]);
      await until('the first feed to get the first event', () => seenFirst.length === 1);
      await first.close();

      const during = event('action_started');
      await publisher.publish([during]);
      await settle();
      expect(seenFirst).toEqual([before]);

      const next = feed(id);
      const seenNext: EventEnvelope[] = [];
      await next.start((e) => seenNext.push(e));
      await until('the next feed to get what was published meanwhile', () => seenNext.length >= 1);
      await settle();
      expect(seenNext).toEqual([during]);
      await next.close();
    });

    it('a feed starts once', async () => {
      const { feed } = subject();
      const f = feed(instance());
      await f.start(() => undefined);
      await expect(f.start(() => undefined)).rejects.toThrow(/already started/);
      await f.close();
    });
  });
}
