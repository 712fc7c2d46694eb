// GET /metrics on the real stack: the Prometheus text format, viewer token required, and counters that move with
// requests (by route pattern), analyses, anomalies and heals (counted from the relayed events).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../helpers/stack';

let stack: TestStack;
const service = `metrics-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  // Analyses wait up to a minute: these tests are about behaviour, and the shared machine may be busy.
  stack = await startTestStack({ ANALYZE_TIMEOUT_MS: '60000' });
});
afterAll(async () => {
  await stack?.stop();
});

type Series = { name: string; labels: Record<string, string>; value: number }[];

function parse(text: string): Series {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

/** The sum over series of `name` whose labels include `labels` (0 when none yet). */
function sample(series: Series, name: string, labels: Record<string, string> = {}): number {
  return series
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

async function scrape(): Promise<{ contentType: string | null; text: string; series: Series }> {
  const res = await fetch(`${stack.baseUrl}/metrics`, { headers: { authorization: `Bearer ${stack.token('viewer')}` } });
  expect(res.status).toBe(200);
  const text = await res.text();
  return { contentType: res.headers.get('content-type'), text, series: parse(text) };
}

describe('GET /metrics', () => {
  it('asks for a token like every other read', async () => {
    const res = await fetch(`${stack.baseUrl}/metrics`);
    expect(res.status).toBe(401);
  });

  it('serves the Prometheus text format with the process defaults', async () => {
    const { contentType, text, series } = await scrape();
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text).toContain('# TYPE selfheal_http_request_duration_seconds histogram');
    expect(text).toContain('# TYPE selfheal_heal_duration_seconds histogram');
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_heap_size_total_bytes']) {
      expect(sample(series, name), name).toBeGreaterThan(0);
    }
  });

  it('counts requests by route pattern and status, analyses, anomalies and heals by outcome', async () => {
    const before = (await scrape()).series;
    const analyzeRoute = { method: 'POST', route: '/api/self_healing/analyze', status_code: '200' };

    expect((await stack.call('POST', '/api/self_healing/analyze', { service, metrics: { error_rate: 0.01 } })).status).toBe(200);
    const spike = await stack.call('POST', '/api/self_healing/analyze', { service, metrics: { error_rate: 0.5 }, context: { services: [service] } });
    expect(spike.body.anomalies[0].severity).toBe('high');
    const healId = `heal-nothing-${randomUUID().slice(0, 8)}`;
    expect((await stack.call('GET', `/api/self_healing/heal/${healId}`, undefined, 'viewer')).status).toBe(404);
    expect((await fetch(`${stack.baseUrl}/no/such/${healId}`)).ok).toBe(false);
    const dryRun = await stack.call('POST', '/api/self_healing/heal', { issue: { diagnosis: spike.body.diagnosis }, service, strategy: 'observe' });
    expect(dryRun.body.status).toBe('planned');
    const refused = await stack.call('POST', '/api/self_healing/heal', {
      issue: { diagnosis: spike.body.diagnosis }, service, context: { containers: ['not-allowed'] }, strategy: 'restart_unhealthy', dry_run: false,
    });
    expect(refused.status).toBe(422);

    // Relayed events arrive asynchronously; other tests on the shared broker may add to them, never subtract.
    const moved = (after: Series, name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
    await expect
      .poll(async () => {
        const after = (await scrape()).series;
        return [
          moved(after, 'selfheal_analyses_total', { outcome: 'normal' }) >= 1,
          moved(after, 'selfheal_analyses_total', { outcome: 'anomalous', issue_type: spike.body.diagnosis.issue_type }) >= 1,
          moved(after, 'selfheal_anomalies_total', { severity: 'high' }) >= 1,
          moved(after, 'selfheal_heals_total', { outcome: 'planned' }) >= 1,
          moved(after, 'selfheal_heals_total', { outcome: 'refused' }) >= 1,
          moved(after, 'selfheal_heal_duration_seconds_count', { outcome: 'planned' }) >= 1,
          moved(after, 'selfheal_heal_duration_seconds_count', { outcome: 'refused' }) >= 1,
          moved(after, 'selfheal_events_relayed_total', { type: 'heal' }) >= 4,
          moved(after, 'selfheal_event_relay_lag_seconds_count') >= 4,
        ];
      }, { timeout: 20_000 })
      .toEqual(Array(9).fill(true));

    const { text, series: after } = await scrape();
    // This file's own requests are exact: no other process calls this API instance.
    expect(moved(after, 'selfheal_http_requests_total', analyzeRoute)).toBe(2);
    expect(moved(after, 'selfheal_http_request_duration_seconds_count', analyzeRoute)).toBe(2);
    expect(moved(after, 'selfheal_http_request_duration_seconds_sum', analyzeRoute)).toBeGreaterThan(0);
    expect(moved(after, 'selfheal_http_requests_total', { route: '/api/self_healing/heal', status_code: '422' })).toBe(1);
    expect(moved(after, 'selfheal_http_requests_total', { method: 'GET', route: '/api/self_healing/heal/:id', status_code: '404' })).toBe(1);
    expect(moved(after, 'selfheal_http_requests_total', { route: 'unmatched' })).toBe(1);
    expect(text).not.toContain(healId);
    expect(sample(after, 'selfheal_http_requests_total', { route: '/metrics', status_code: '200' })).toBeGreaterThanOrEqual(2);
  });
});
