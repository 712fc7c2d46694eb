// The QueueControl contract, run against FakeQueueControl (unit) and RabbitQueueControl on the real broker's
// management API (integration). The broker applies policies a moment after they are written, so reads poll.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { QueueControl, QueueInfo } from '../../src/adapters/ports';
import { ValidationError } from '../../src/errors';

export interface QueueControlSubject {
  control: QueueControl;
  /** Declares a queue of this name in the subject's world. */
  declare(queue: string): Promise<void>;
  /** Queue names this suite used, for the real broker's cleanup. */
  used: string[];
}

async function eventually(read: () => Promise<QueueInfo | null>, done: (q: QueueInfo | null) => boolean, what: string): Promise<QueueInfo | null> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const q = await read();
    if (done(q)) return q;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(q)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function describeQueueControlContract(name: string, subject: () => QueueControlSubject): void {
  describe(`QueueControl contract: ${name}`, () => {
    const queueName = () => {
      const q = `selfheal-contract-${randomUUID().slice(0, 8)}`;
      subject().used.push(q);
      return q;
    };

    it('reads a queue, null when there is none', async () => {
      const { control, declare } = subject();
      const q = queueName();
      expect(await control.getQueue(q)).toBeNull();
      await declare(q);
      expect(await control.getQueue(q)).toMatchObject({ name: q, messages: 0, consumers: 0, policy: null, maxLength: null });
    });

    it('applies backpressure idempotently, and releases it idempotently', async () => {
      const { control, declare } = subject();
      const q = queueName();
      await declare(q);
      const { policy } = await control.applyBackpressure(q, 7);
      expect(await control.applyBackpressure(q, 7)).toEqual({ policy, base: null });
      await eventually(() => control.getQueue(q), (i) => i?.policy === policy && i.maxLength === 7, `policy ${policy} on ${q}`);
      await control.releaseBackpressure(q);
      await control.releaseBackpressure(q);
      await eventually(() => control.getQueue(q), (i) => i?.policy === null && i.maxLength === null, `no policy on ${q}`);
    });

    it('a policy applied before its queue exists holds once the queue is declared', async () => {
      const { control, declare } = subject();
      const q = queueName();
      const { policy } = await control.applyBackpressure(q, 3);
      await declare(q);
      await eventually(() => control.getQueue(q), (i) => i?.policy === policy && i.maxLength === 3, `policy ${policy} on the new ${q}`);
      await control.releaseBackpressure(q);
    });

    it('refuses an empty queue name or a negative length', async () => {
      const { control } = subject();
      await expect(control.applyBackpressure('', 1)).rejects.toBeInstanceOf(ValidationError);
      await expect(control.getQueue('')).rejects.toBeInstanceOf(ValidationError);
      await expect(control.applyBackpressure(queueName(), -1)).rejects.toBeInstanceOf(ValidationError);
    });
  });
}
