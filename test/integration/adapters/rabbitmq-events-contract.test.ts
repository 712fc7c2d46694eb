// RabbitEventPublisher and RabbitEventFeed on the real broker, held to the same contract as FakeEventBus
// (test/unit/fakes/contracts.test.ts). Exchange and relay queues are this file's own and deleted in afterAll.
import { afterAll, beforeAll } from 'vitest';
import type { EventFeed } from '../../../src/adapters/ports';
import { RabbitConnection } from '../../../src/adapters/rabbitmq/connection';
import { RabbitEventFeed, relayQueueName } from '../../../src/adapters/rabbitmq/event-feed';
import { RabbitEventPublisher } from '../../../src/adapters/rabbitmq/event-publisher';
import { describeEventsContract, type EventsSubject } from '../../contracts/events';
import { capturingLogger, config, deleteTopology, uniqueName } from '../../helpers/rabbitmq';

const exchange = uniqueName('selfheal.test.contract');
const logger = capturingLogger();
const instances = new Set<string>();
const connections: RabbitConnection[] = [];
let publisher: RabbitEventPublisher;
let subject: EventsSubject;

beforeAll(() => {
  const connection = new RabbitConnection(config.rabbitmq.url, logger, { name: 'events-contract' });
  connections.push(connection);
  publisher = new RabbitEventPublisher(connection, { exchange }, logger);
  subject = {
    publisher,
    feed(instanceId): EventFeed {
      instances.add(instanceId);
      // Each feed on a connection of its own, as each API instance has.
      const own = new RabbitConnection(config.rabbitmq.url, logger, { name: `events-contract-${instanceId}` });
      connections.push(own);
      return new RabbitEventFeed(own, { exchange, instanceId }, logger);
    },
  };
});

afterAll(async () => {
  await publisher?.close();
  for (const c of connections) await c.close();
  await deleteTopology([exchange], [...instances].map(relayQueueName));
});

describeEventsContract('RabbitEventPublisher + RabbitEventFeed', () => subject);
