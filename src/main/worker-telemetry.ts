// The worker's own observability: counters kept where things happen (the activities), a small HTTP server with
// liveness, readiness and Prometheus metrics (its counters plus the Temporal SDK's own, fetched from the runtime's
// exporter), and the Temporal runtime's logs routed into the process's pino root as JSON.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DefaultLogger, type LogEntry, type Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import type { WorkerCounters } from '../../activities/deps';
import { checkReadiness, type DependencyCheck } from './readiness';

export interface WorkerMetrics extends WorkerCounters {
  registry: Registry;
}

/** Counters on a registry of their own; `pendingEvents` is read at scrape time. */
export function workerMetrics(pendingEvents: () => Promise<number>): WorkerMetrics {
  const registry = new Registry();
  const registers = [registry];
  const analyses = new Counter({ name: 'selfheal_worker_analyses_total', help: 'Analyses this worker recorded (or answered from the record, replayed)', labelNames: ['outcome'], registers });
  const heals = new Counter({ name: 'selfheal_worker_heals_total', help: 'Heals this worker recorded as finished, by outcome and strategy', labelNames: ['outcome', 'strategy', 'dry_run'], registers });
  new Gauge({
    name: 'selfheal_outbox_pending_events',
    help: 'Events written with their record and not yet published (all workers)',
    registers,
    async collect() {
      this.set(await pendingEvents().catch(() => -1));
    },
  });
  return {
    registry,
    analysisRecorded: (replayed) => analyses.inc({ outcome: replayed ? 'replayed' : 'recorded' }),
    healFinished: (outcome, strategy, dryRun) => heals.inc({ outcome, strategy: strategy ?? 'none', dry_run: String(dryRun) }),
  };
}

/**
 * The runtime logger's level for a LOG_LEVEL: entries pino would drop are not built at all (each workflow and
 * activity logs as it starts and ends: CPU for every task). SDK TRACE stays off even at trace.
 */
export function temporalLogLevel(logLevel: string): 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' {
  const levels: Record<string, 'DEBUG' | 'INFO' | 'WARN'> = { trace: 'DEBUG', debug: 'DEBUG', info: 'INFO', warn: 'WARN' };
  return levels[logLevel] ?? 'ERROR';
}

/** The Temporal runtime's logger, writing through pino (workflow and activity ids come in the entry's metadata). */
export function temporalLogger(logger: Logger, level: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'): DefaultLogger {
  const child = logger.child({ component: 'temporal' });
  return new DefaultLogger(level, (entry: LogEntry) => {
    const method = ({ TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const)[entry.level];
    child[method](entry.meta ?? {}, entry.message);
  });
}

export interface HealthServerOptions {
  host: string;
  port: number;
  worker: Pick<Worker, 'getState'>;
  checks: readonly DependencyCheck[];
  metrics: WorkerMetrics;
  /** The Temporal runtime's Prometheus exporter, appended to /metrics when set. */
  sdkMetricsUrl?: string;
}

/** GET /healthz (the worker polls), /readyz (and its dependencies answer), /metrics. */
export async function startHealthServer(options: HealthServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: string, type = 'application/json') => res.writeHead(status, { 'content-type': type }).end(body);
    const state = options.worker.getState();
    const polling = state === 'RUNNING';
    if (req.method !== 'GET') return send(405, JSON.stringify({ error: 'method_not_allowed' }));
    if (req.url === '/healthz') return send(polling ? 200 : 503, JSON.stringify({ status: polling ? 'ok' : 'not_polling', worker: state }));
    if (req.url === '/readyz') {
      void checkReadiness(options.checks).then((report) => {
        const ready = report.ready && polling;
        send(ready ? 200 : 503, JSON.stringify({ status: ready ? 'ready' : 'not_ready', worker: state, ...report }));
      });
      return;
    }
    if (req.url === '/metrics') {
      void Promise.all([options.metrics.registry.metrics(), sdkMetrics(options.sdkMetricsUrl)]).then(
        ([own, sdk]) => send(200, `${own}\n${sdk}`, options.metrics.registry.contentType),
        () => send(500, JSON.stringify({ error: 'metrics unavailable' })),
      );
      return;
    }
    send(404, JSON.stringify({ error: 'not_found' }));
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function sdkMetrics(url: string | undefined): Promise<string> {
  if (!url) return '';
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return res.ok ? await res.text() : '';
  } catch {
    return '';
  }
}
