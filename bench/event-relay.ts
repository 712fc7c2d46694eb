// Publish → Socket.IO client latency through the real broker: the publisher (confirms), this instance's relay queue and
// feed, the socket-io plugin, and a socket.io-client over a websocket, all in this process so one clock times both ends.
// Run: npx tsx bench/event-relay.ts   (RabbitMQ must be up: bash scripts/services.sh up rabbitmq)
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import fastifyJwt from '@fastify/jwt';
import Fastify from 'fastify';
import { io as ioClient } from 'socket.io-client';
import { RabbitConnection } from '../src/adapters/rabbitmq/connection';
import { RabbitEventFeed, relayQueueName } from '../src/adapters/rabbitmq/event-feed';
import { RabbitEventPublisher } from '../src/adapters/rabbitmq/event-publisher';
import socketIoPlugin from '../src/api/plugins/socket-io';
import type { EventEnvelope } from '../src/domain/events';
import { capturingLogger, config, deleteTopology, healEvent, uniqueName } from '../test/helpers/rabbitmq';

const EVENTS = 2000;
const BURST_BATCH = 100;

interface Figures {
  name: string;
  p50: number;
  p99: number;
  max: number;
  perSecond: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summarise(name: string, latencies: number[], elapsedMs: number): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { name, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1]!, perSecond: (latencies.length / elapsedMs) * 1000 };
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg()[0]!;
  const exchange = uniqueName('selfheal.bench.relay');
  const instanceId = uniqueName('bench');
  const logger = capturingLogger();
  const app = Fastify({ logger: false });
  await app.register(fastifyJwt, { secret: 'bench-secret-of-at-least-32-characters!!' });
  const feedConnection = new RabbitConnection(config.rabbitmq.url, logger, { name: 'bench-feed' });
  await app.register(socketIoPlugin, { feed: new RabbitEventFeed(feedConnection, { exchange, instanceId }, logger) });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const publisherConnection = new RabbitConnection(config.rabbitmq.url, logger, { name: 'bench-publisher' });
  const publisher = new RabbitEventPublisher(publisherConnection, { exchange }, logger);

  const socket = ioClient(url, { transports: ['websocket'], auth: { token: app.jwt.sign({ sub: 'bench', role: 'viewer' }) } });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  await socket.emitWithAck('subscribe', { all: true });

  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let onReceived: (() => void) | null = null;
  socket.on('self_healing:heal', (event: EventEnvelope) => {
    latencies.push(performance.now() - sentAt.get(event.id)!);
    onReceived?.();
  });
  const received = (count: number) =>
    new Promise<void>((resolve) => {
      onReceived = () => latencies.length >= count && resolve();
      onReceived();
    });
  const publishTimed = (events: EventEnvelope[]) => {
    const now = performance.now();
    for (const e of events) sentAt.set(e.id, now);
    return publisher.publish(events);
  };

  // Warm-up: connections, channels, JIT.
  for (let i = 0; i < 100; i++) await Promise.all([publishTimed([healEvent()]), received(i + 1)]);
  latencies.length = 0;

  let started = performance.now();
  for (let i = 0; i < EVENTS; i++) await Promise.all([publishTimed([healEvent()]), received(i + 1)]);
  const sequential = summarise('sequential (one event in flight)', latencies, performance.now() - started);
  latencies.length = 0;

  started = performance.now();
  const burst = Array.from({ length: EVENTS }, () => healEvent());
  const batches: Promise<void>[] = [];
  for (let i = 0; i < EVENTS; i += BURST_BATCH) batches.push(publishTimed(burst.slice(i, i + BURST_BATCH)));
  await Promise.all([...batches, received(EVENTS)]);
  const burstFigures = summarise(`burst (${EVENTS} at once, ${BURST_BATCH}-event publishes)`, latencies, performance.now() - started);

  const rows = [sequential, burstFigures].map(
    (f) => `| ${f.name} | ${f.p50.toFixed(2)} | ${f.p99.toFixed(2)} | ${f.max.toFixed(2)} | ${Math.round(f.perSecond)} |`,
  );
  const report = [
    '# Event relay latency: publish → Socket.IO client',
    '',
    'Command: `npx tsx bench/event-relay.ts` (RabbitMQ up via `bash scripts/services.sh up rabbitmq`).',
    '',
    `Measured ${new Date().toISOString()} on ${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'} (load average`,
    `${loadAtStart.toFixed(1)} at the start, shared with the other services), Node ${process.version}, RabbitMQ on 127.0.0.1.`,
    `${EVENTS} events per scenario after 100 warm-up events. Latency runs from the publish call`,
    '(persistent message, publisher confirm) through the instance relay queue, the feed (manual ack, dedupe) and the',
    'socket-io plugin to a socket.io-client on a websocket, timed on one clock in one process.',
    '',
    '| scenario | p50 ms | p99 ms | max ms | events/s |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  // Recorded by hand in docs/benchmarks.md (one file for every benchmark).
  console.log(report);

  socket.disconnect();
  await app.close();
  await feedConnection.close();
  await publisher.close();
  await publisherConnection.close();
  await deleteTopology([exchange], [relayQueueName(instanceId)]);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
