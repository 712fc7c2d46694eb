// RabbitQueueControl on the real broker's management API, held to the same contract as FakeQueueControl
// (test/unit/fakes/contracts.test.ts). Its queues and policies are removed in afterAll.
import amqp from 'amqplib';
import { afterAll } from 'vitest';
import { queueControl } from '../../../src/main/adapters';
import { describeQueueControlContract, type QueueControlSubject } from '../../contracts/queue-control';
import { config, deleteTopology } from '../../helpers/rabbitmq';

const subject: QueueControlSubject = {
  control: queueControl(config),
  async declare(queue) {
    const connection = await amqp.connect(config.rabbitmq.url);
    try {
      await (await connection.createChannel()).assertQueue(queue, { durable: false });
    } finally {
      await connection.close();
    }
  },
  used: [],
};

afterAll(async () => {
  for (const q of subject.used) await subject.control.releaseBackpressure(q).catch(() => undefined);
  await deleteTopology([], subject.used);
});

describeQueueControlContract('RabbitQueueControl', () => subject);
