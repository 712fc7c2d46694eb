// Prometheus instruments of one API instance, on a registry of its own (several apps may share a process in tests).
// HTTP requests are labelled by route pattern, never the raw URL, so ids in paths cannot grow the series without
// bound. Analyses, anomalies and heals are counted from the relayed events, so heals run by any worker are counted:
// every API instance relays every event, hence those counters read the same on every instance.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventEnvelope } from '../../domain/events';
import type { Anomaly, Diagnosis } from '../../domain/types';

declare module 'fastify' {
  interface FastifyInstance {
    metricsRegistry: Registry;
  }
}

/** Heals whose start this instance saw, waiting for their end; bounded so abandoned heals cannot grow it forever. */
const MAX_OPEN_HEALS = 10_000;

function instruments(registry: Registry) {
  const registers = [registry];
  return {
    requests: new Counter({ name: 'selfheal_http_requests_total', help: 'HTTP requests by method, route pattern and status code', labelNames: ['method', 'route', 'status_code'], registers }),
    requestSeconds: new Histogram({
      name: 'selfheal_http_request_duration_seconds',
      help: 'HTTP request latency by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    analyses: new Counter({ name: 'selfheal_analyses_total', help: 'Analyses by outcome (anomalous or normal) and diagnosed issue type', labelNames: ['outcome', 'issue_type'], registers }),
    anomalies: new Counter({ name: 'selfheal_anomalies_total', help: 'Anomalies detected, by severity', labelNames: ['severity'], registers }),
    heals: new Counter({ name: 'selfheal_heals_total', help: 'Finished heals by outcome (planned = a dry run)', labelNames: ['outcome'], registers }),
    healSeconds: new Histogram({
      name: 'selfheal_heal_duration_seconds',
      help: 'From plan to outcome, by outcome (heals whose plan this instance relayed); includes approval waits',
      labelNames: ['outcome'],
      buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    }),
    relayed: new Counter({ name: 'selfheal_events_relayed_total', help: 'Events relayed from RabbitMQ to Socket.IO, by type', labelNames: ['type'], registers }),
    relayLag: new Histogram({
      name: 'selfheal_event_relay_lag_seconds',
      help: 'From a heal step being recorded to its relay to Socket.IO clients (includes clock skew between hosts)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
  };
}

type Instruments = ReturnType<typeof instruments>;

/** Counts one relayed event; `openHeals` maps a heal's workflow and run to the time of its plan. */
function countEvent(m: Instruments, openHeals: Map<string, number>, event: EventEnvelope, lagMs: number): void {
  m.relayed.inc({ type: event.type });
  if (event.type === 'analyze') {
    const anomalies = (event.data.anomalies ?? []) as Anomaly[];
    const diagnosis = event.data.diagnosis as Diagnosis | undefined;
    m.analyses.inc({ outcome: anomalies.length > 0 ? 'anomalous' : 'normal', issue_type: diagnosis?.issue_type ?? 'unknown' });
    for (const a of anomalies) m.anomalies.inc({ severity: a.severity });
    return;
  }
  // Only heal events carry the time they were recorded; an analysis carries the time of its metrics.
  m.relayLag.observe(Math.max(0, lagMs) / 1000);
  const key = `${event.workflowId}/${event.runId}`;
  if (event.step === 'planned') {
    if (openHeals.size >= MAX_OPEN_HEALS) openHeals.delete(openHeals.keys().next().value as string);
    openHeals.set(key, Date.parse(event.at));
  } else if (event.step === 'completed') {
    const outcome = typeof event.data.outcome === 'string' ? event.data.outcome : 'unknown';
    m.heals.inc({ outcome });
    const started = openHeals.get(key);
    openHeals.delete(key);
    if (started !== undefined) m.healSeconds.observe({ outcome }, Math.max(0, Date.parse(event.at) - started) / 1000);
  }
}

async function metricsPlugin(app: FastifyInstance): Promise<void> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const m = instruments(registry);
  new Gauge({
    name: 'selfheal_socketio_clients',
    help: 'Socket.IO clients connected to this instance',
    registers: [registry],
    collect() {
      this.set(app.io.engine.clientsCount);
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) };
    m.requests.inc(labels);
    m.requestSeconds.observe(labels, reply.elapsedTime / 1000);
  });

  const openHeals = new Map<string, number>();
  app.onEventRelayed((event) => countEvent(m, openHeals, event, app.eventRelayStats.lastLagMs ?? 0));
  app.decorate('metricsRegistry', registry);
}

export default fp(metricsPlugin, { name: 'metrics', fastify: '5.x', dependencies: ['socket-io'] });
