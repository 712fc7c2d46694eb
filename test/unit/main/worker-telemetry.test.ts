// The worker's health server, its counters and the Temporal logs routed into pino, without any server behind them.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config';
import { startHealthServer, temporalLogLevel, temporalLogger, workerMetrics } from '../../../src/main/worker-telemetry';

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serve(state: string, checks: { name: string; check(): Promise<unknown> }[], pending = 0) {
  const metrics = workerMetrics(async () => pending);
  const server = await startHealthServer({ host: '127.0.0.1', port: 0, worker: { getState: () => state as never }, checks, metrics });
  servers.push(server);
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
    return { status: res.status, text: await res.text() };
  };
  return { metrics, get };
}

describe('the worker health server', () => {
  it('is live and ready while the worker polls and its dependencies answer', async () => {
    const { get } = await serve('RUNNING', [{ name: 'neo4j', check: async () => 1 }]);
    expect(await get('/healthz')).toEqual({ status: 200, text: JSON.stringify({ status: 'ok', worker: 'RUNNING' }) });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toMatchObject({ status: 'ready', checks: { neo4j: 'ok' }, failing: [] });
  });

  it('is not ready when a dependency fails, naming it, and not live once the worker stops polling', async () => {
    const down = await serve('RUNNING', [{ name: 'rabbitmq', check: () => Promise.reject(new Error('ECONNREFUSED')) }]);
    const ready = await down.get('/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text)).toMatchObject({ status: 'not_ready', failing: ['rabbitmq'], checks: { rabbitmq: 'unavailable' } });
    const draining = await serve('DRAINING', []);
    expect((await draining.get('/healthz')).status).toBe(503);
    expect((await draining.get('/readyz')).status).toBe(503);
  });

  it('exposes the counters kept at the source and the outbox backlog in Prometheus text', async () => {
    const { metrics, get } = await serve('RUNNING', [], 7);
    metrics.analysisRecorded(false);
    metrics.analysisRecorded(false);
    metrics.analysisRecorded(true);
    metrics.healFinished('verified', 'restart_unhealthy', false);
    const { status, text } = await get('/metrics');
    expect(status).toBe(200);
    expect(text).toContain('selfheal_worker_analyses_total{outcome="recorded"} 2');
    expect(text).toContain('selfheal_worker_analyses_total{outcome="replayed"} 1');
    expect(text).toContain('selfheal_worker_heals_total{outcome="verified",strategy="restart_unhealthy",dry_run="false"} 1');
    expect(text).toContain('selfheal_outbox_pending_events 7');
    expect((await get('/nope')).status).toBe(404);
  });
});

describe('temporalLogger', () => {
  it("writes the SDK's log entries as pino JSON with their metadata", () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const logger = temporalLogger(pino({ name: 'selfheal-worker', level: 'info' }, sink), 'INFO');
    logger.info('Activity completed', { workflowId: 'heal-api', activityId: '3' });
    logger.debug('too detailed');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ name: 'selfheal-worker', component: 'temporal', level: 30, msg: 'Activity completed', workflowId: 'heal-api', activityId: '3' });
  });
});

describe('temporalLogLevel', () => {
  it('builds no SDK entry that LOG_LEVEL would drop, and never SDK TRACE', () => {
    expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].map(temporalLogLevel)).toEqual(['DEBUG', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'ERROR', 'ERROR']);
  });
});

describe('the default API instance id', () => {
  it('names the host, so replicas behind one port configuration never share a relay queue', () => {
    const config = loadConfig({ API_HOST: '0.0.0.0', API_PORT: '3000', JWT_SECRET: 'a-test-secret-of-at-least-thirty-two-characters' });
    expect(config.api.instanceId).toMatch(/^api-.+-3000$/);
    expect(config.api.instanceId).not.toBe('api-0.0.0.0-3000');
  });
});
