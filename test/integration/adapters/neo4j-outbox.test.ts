// The transactional outbox on the real Neo4j and RabbitMQ: an analysis and its event commit together; the event is
// published with confirms and marked sent; through a broker partition events stay pending and are then published in
// the order of their stream, by a flush or by the sweep of another process.
import { connect, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Neo4jAnalysisStore } from '../../../src/adapters/neo4j/analysis-store';
import type { Neo4jConnection } from '../../../src/adapters/neo4j/driver';
import { Neo4jOutbox } from '../../../src/adapters/neo4j/outbox';
import { RabbitConnection } from '../../../src/adapters/rabbitmq/connection';
import { RabbitEventPublisher } from '../../../src/adapters/rabbitmq/event-publisher';
import type { EventEnvelope } from '../../../src/domain/events';
import { analysisInput, announceFor, connectTestNeo4j, countingCompute, deleteServices, uniqueService } from '../../helpers/neo4j';
import { BrokerGate, capturingLogger, config, deleteTopology, uniqueName, waitUntil } from '../../helpers/rabbitmq';

const exchange = uniqueName('selfheal.test.outbox');
const tapQueue = uniqueName('selfheal.test.outbox-tap');
const logger = capturingLogger();
const services: string[] = [];
let neo4j: Neo4jConnection;
let store: Neo4jAnalysisStore;
let gate: BrokerGate;
let connection: RabbitConnection;
let publisher: RabbitEventPublisher;
let raw: ChannelModel;
const received: EventEnvelope[] = [];

beforeAll(async () => {
  neo4j = await connectTestNeo4j();
  store = new Neo4jAnalysisStore(neo4j);
  gate = new BrokerGate();
  // Short back-off: the partition tests reconnect as soon as the gate opens again.
  connection = new RabbitConnection(await gate.listen(), logger, { name: 'outbox-test', minBackoffMs: 50, maxBackoffMs: 200 });
  publisher = new RabbitEventPublisher(connection, { exchange, confirmTimeoutMs: 2000 }, logger);
  raw = await connect(config.rabbitmq.url);
  const channel = await raw.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(tapQueue, { durable: false });
  await channel.bindQueue(tapQueue, exchange, 'self_healing.#');
  await channel.consume(tapQueue, (m: ConsumeMessage | null) => m && received.push(JSON.parse(m.content.toString()) as EventEnvelope), { noAck: true });
});

afterAll(async () => {
  await deleteServices(neo4j, services);
  await publisher.close();
  await connection.close();
  await gate.close();
  await raw.close();
  await deleteTopology([exchange], [tapQueue]);
  await neo4j.driver.close();
});

function newService(): string {
  const service = uniqueService('outbox');
  services.push(service);
  return service;
}

async function analyze(service: string, i: number) {
  const input = analysisInput(service, 1_700_000_000_000 + i * 1000, { error_rate: 0.01 + i / 1000 });
  await store.analyzeOnce(input, countingCompute(input), announceFor(input));
  return `${input.analysisId}:analyzed`;
}

const receivedOf = (service: string) => received.filter((e) => e.service === service).map((e) => e.id);

describe('Neo4jOutbox', () => {
  it('holds each analysis event as pending from its commit until a flush publishes it, then marks it sent', async () => {
    const outbox = new Neo4jOutbox(neo4j, publisher, logger);
    const service = newService();
    const id = await analyze(service, 0);
    expect(await outbox.countPending(service)).toBe(1);
    expect(await outbox.flush(service)).toBe(1);
    await waitUntil('the event on the tap queue', () => receivedOf(service).length === 1);
    expect(receivedOf(service)).toEqual([id]);
    expect(await outbox.countPending(service)).toBe(0);
    const { records } = await neo4j.driver.executeQuery('MATCH (o:OutboxEvent {id: $id}) RETURN o.sentAt IS NOT NULL AS sent, labels(o) AS labels', { id });
    expect(records.map((r) => [r.get('sent'), r.get('labels')])).toEqual([[true, ['OutboxEvent']]]);
    // Nothing left to send: a second flush publishes nothing.
    expect(await outbox.flush(service)).toBe(0);
  });

  it('keeps events pending through a broker partition and then publishes them in commit order', async () => {
    const outbox = new Neo4jOutbox(neo4j, publisher, logger);
    const service = newService();
    gate.cut();
    const ids: string[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        ids.push(await analyze(service, i));
        await expect(outbox.flush(service)).rejects.toThrow();
      }
      expect(await outbox.countPending(service)).toBe(5);
    } finally {
      gate.restore();
    }
    await waitUntil('the flush to get through', async () => (await outbox.flush(service).catch(() => 0)) === 5, 20_000);
    await waitUntil('five events on the tap queue', () => receivedOf(service).length === 5);
    expect(receivedOf(service)).toEqual(ids);
    expect(await outbox.countPending(service)).toBe(0);
  });

  it("publishes another process's leftover events by the sweep, once they are older than the fast path's grace", async () => {
    const service = newService();
    const ids = [await analyze(service, 0), await analyze(service, 1)];
    const sweeper = new Neo4jOutbox(neo4j, publisher, logger, { minAgeMs: 60_000 });
    // Too young: left to the process that wrote them.
    await sweeper.sweep();
    expect(await sweeper.countPending(service)).toBe(2);
    await sweeper.sweep(Date.now() + 61_000);
    await waitUntil('both events on the tap queue', () => receivedOf(service).length === 2);
    expect(receivedOf(service)).toEqual(ids);
    expect(await sweeper.countPending(service)).toBe(0);
  });

  it('an analysis id analysed again after retention deleted its snapshot is recorded, with no second event', async () => {
    const outbox = new Neo4jOutbox(neo4j, publisher, logger);
    const service = newService();
    const input = analysisInput(service, 1_700_000_000_000, { error_rate: 0.02 });
    await store.analyzeOnce(input, countingCompute(input), announceFor(input));
    expect(await outbox.flush(service)).toBe(1);
    // What the retention workflow does to an old snapshot (src/adapters/neo4j/retention.ts); its sent event is kept.
    await neo4j.driver.executeQuery(
      `MATCH (m:MetricSnapshot {id: $id})
       CALL (m) { OPTIONAL MATCH (m)-[:HAS_ANOMALY|DIAGNOSED_AS]->(x) OPTIONAL MATCH (x)-[:HAS_HYPOTHESIS]->(h) DETACH DELETE h, x }
       DETACH DELETE m`,
      { id: input.analysisId },
      { database: neo4j.database },
    );
    const again = await new Neo4jAnalysisStore(neo4j).analyzeOnce(input, countingCompute(input), announceFor(input));
    expect(again.replayed).toBe(false);
    expect(await outbox.countPending(service)).toBe(0);
  });

  it("answers an analysis with its stream's pending events read under the lock, oldest first, and none past the limit", async () => {
    const outbox = new Neo4jOutbox(neo4j, publisher, logger);
    const limited = new Neo4jAnalysisStore(neo4j, { pendingEvents: 2 });
    const service = newService();
    const inputs = [0, 1, 2, 3, 4].map((i) => analysisInput(service, 1_700_000_000_000 + i * 1000, { error_rate: 0.01 + i / 1000 }));
    const idOf = (i: number) => `${inputs[i]!.analysisId}:analyzed`;
    const pendingAfter = async (i: number) => (await limited.analyzeOnce(inputs[i]!, countingCompute(inputs[i]!), announceFor(inputs[i]!))).pendingEvents?.map((e) => e.id);
    expect(await pendingAfter(0)).toEqual([idOf(0)]);
    expect(await pendingAfter(1)).toEqual([idOf(0), idOf(1)]);
    // A replay answers with what is pending now: its own event, written by the first attempt, among them.
    expect(await pendingAfter(1)).toEqual([idOf(0), idOf(1)]);
    expect(await outbox.flush(service)).toBe(2);
    expect(await pendingAfter(2)).toEqual([idOf(2)]);
    expect(await pendingAfter(3)).toEqual([idOf(2), idOf(3)]);
    // Three pending, two carried at most: none, and the outbox reads them itself.
    expect(await pendingAfter(4)).toBeUndefined();
  });

  it('publishes the rows an analysis carried back and marks them sent, with no second copy of rows already sent', async () => {
    const outbox = new Neo4jOutbox(neo4j, publisher, logger);
    const service = newService();
    const inputs = [0, 1].map((i) => analysisInput(service, 1_700_000_000_000 + i * 1000, { error_rate: 0.02 + i / 1000 }));
    const outcomes = [];
    for (const input of inputs) outcomes.push(await store.analyzeOnce(input, countingCompute(input), announceFor(input)));
    // The first analysis's rows, then the second's, which carry the first event again: each event is published once.
    for (const outcome of outcomes) outbox.publishRows(service, outcome.pendingEvents!);
    await outbox.stop();
    expect(await outbox.countPending(service)).toBe(0);
    await waitUntil('both events on the tap queue', () => receivedOf(service).length === 2);
    expect(receivedOf(service)).toEqual(inputs.map((input) => `${input.analysisId}:analyzed`));
  });

  it('a retried analysis writes no second event', async () => {
    const outbox = new Neo4jOutbox(neo4j, publisher, logger);
    const service = newService();
    const input = analysisInput(service, 1_700_000_000_000, { error_rate: 0.02 });
    await store.analyzeOnce(input, countingCompute(input), announceFor(input));
    await store.analyzeOnce(input, countingCompute(input), announceFor(input));
    expect(await outbox.countPending(service)).toBe(1);
  });
});
