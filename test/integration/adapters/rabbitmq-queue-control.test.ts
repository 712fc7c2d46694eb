// apply_backpressure's effect on a real queue: the policy is visible, publishes beyond max-length are nacked, and
// releasing restores normal publishing.
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backpressurePolicyName, RabbitQueueControl } from '../../../src/adapters/rabbitmq/queue-control';
import { ValidationError } from '../../../src/errors';
import { config, deleteTopology, uniqueName, waitUntil } from '../../helpers/rabbitmq';

// Regex metacharacters and a slash: the policy must match this queue exactly, and the URL must carry it intact.
const queue = `${uniqueName('selfheal.test.bp')}+(orders)/é`;
const lookalike = queue.replace('.bp', 'Xbp');
const control = new RabbitQueueControl({
  baseUrl: config.rabbitmq.managementUrl,
  user: config.rabbitmq.managementUser,
  password: config.rabbitmq.managementPassword,
  vhost: config.rabbitmq.vhost,
});
let connection: ChannelModel;
let channel: ConfirmChannel;

/** Publishes `count` messages straight to the queue and counts the broker's acks and nacks. */
async function publishAndCount(count: number): Promise<{ acked: number; nacked: number }> {
  const outcomes = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      new Promise<boolean>((resolve) => channel.sendToQueue(queue, Buffer.from(`m${i}`), { persistent: true }, (err) => resolve(!err))),
    ),
  );
  return { acked: outcomes.filter(Boolean).length, nacked: outcomes.filter((ok) => !ok).length };
}

async function policiesNamed(name: string): Promise<unknown[]> {
  const response = await fetch(`${config.rabbitmq.managementUrl}/api/policies/${encodeURIComponent(config.rabbitmq.vhost)}`, {
    headers: { authorization: `Basic ${Buffer.from(`${config.rabbitmq.managementUser}:${config.rabbitmq.managementPassword}`).toString('base64')}` },
  });
  return ((await response.json()) as { name: string }[]).filter((p) => p.name === name);
}

beforeAll(async () => {
  connection = await connect(config.rabbitmq.url);
  channel = await connection.createConfirmChannel();
  await channel.assertQueue(queue, { durable: true });
  await channel.assertQueue(lookalike, { durable: true });
});

afterAll(async () => {
  await control.releaseBackpressure(queue);
  await connection.close();
  await deleteTopology([], [queue, lookalike]);
});

describe('RabbitQueueControl', () => {
  it('applies a reject-publish max-length policy that nacks publishes beyond the limit, and releases it', async () => {
    expect(await control.getQueue(queue)).toMatchObject({ name: queue, policy: null, maxLength: null });

    const first = await control.applyBackpressure(queue, 3);
    const second = await control.applyBackpressure(queue, 3);
    expect(second).toEqual(first);
    expect(first.policy).toBe(backpressurePolicyName(queue));
    expect(await policiesNamed(first.policy)).toHaveLength(1);
    await waitUntil('the policy on the queue', async () => (await control.getQueue(queue))?.policy === first.policy);
    expect(await control.getQueue(queue)).toMatchObject({ policy: first.policy, maxLength: 3 });
    // The pattern is the escaped name: a queue that an unescaped regex would also match is untouched.
    expect(await control.getQueue(lookalike)).toMatchObject({ policy: null, maxLength: null });

    expect(await publishAndCount(5)).toEqual({ acked: 3, nacked: 2 });

    await control.releaseBackpressure(queue);
    await control.releaseBackpressure(queue);
    expect(await policiesNamed(first.policy)).toHaveLength(0);
    await waitUntil('the policy gone', async () => (await control.getQueue(queue))?.policy === null);
    expect(await control.getQueue(queue)).toMatchObject({ maxLength: null });
    expect(await publishAndCount(5)).toEqual({ acked: 5, nacked: 0 });
  });

  it('answers null for an unknown queue and refuses malformed names before any request', async () => {
    expect(await control.getQueue(uniqueName('selfheal.test.absent'))).toBeNull();
    for (const bad of ['', 'a'.repeat(256), 'evil\nqueue', '..', 'é'.repeat(128)]) {
      await expect(control.applyBackpressure(bad, 10)).rejects.toBeInstanceOf(ValidationError);
      await expect(control.getQueue(bad)).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(control.applyBackpressure(queue, -1)).rejects.toBeInstanceOf(ValidationError);
    await expect(control.applyBackpressure(queue, 1.5)).rejects.toBeInstanceOf(ValidationError);
  });
});
