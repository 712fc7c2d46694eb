// Reading a Prometheus target over real HTTP on 127.0.0.1: the exposition parsed, and every way a target cannot be
// read (refused, timed out, not 2xx, a redirect, too large, unparsable) answered as a reason, never as values.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrapeTarget } from '../../../src/adapters/prometheus-scrape';
import { startMetricsExporter, type MetricsExporter } from '../../helpers/metrics-exporter';

const limits = { timeoutMs: 300, maxBytes: 1024 };
let exporter: MetricsExporter;

beforeAll(async () => {
  exporter = await startMetricsExporter((path) => {
    switch (path) {
      case '/metrics':
        return '# TYPE up gauge\nup{job="api"} 1\n';
      case '/down':
        return { status: 503, body: 'down' };
      case '/moved':
        return { status: 302 };
      case '/huge':
        return `# ${'x'.repeat(4096)}\nup 1\n`;
      case '/html':
        return '<html>not metrics</html>';
      default:
        return 'hang';
    }
  });
});
afterAll(() => exporter.close());

describe('scrapeTarget', () => {
  it('parses a 2xx text exposition', async () => {
    expect(await scrapeTarget(`${exporter.origin}/metrics`, limits)).toEqual({ ok: true, exposition: { types: { up: 'gauge' }, samples: [{ name: 'up', labels: { job: 'api' }, value: 1 }] } });
  });

  it.each([
    ['/down', 'HTTP 503'],
    ['/moved', 'HTTP 302'],
    ['/huge', 'body larger than 1024 bytes'],
    ['/html', 'unparsable: line 1: expected a metric name'],
    ['/silent', 'no answer within 300 ms'],
  ])('%s cannot be read: %s', async (path, error) => {
    expect(await scrapeTarget(`${exporter.origin}${path}`, limits)).toEqual({ ok: false, error });
  });

  it('a port nobody listens on is refused', async () => {
    const closed = await startMetricsExporter(() => 'up 1\n');
    const url = `${closed.origin}/metrics`;
    await closed.close();
    expect(await scrapeTarget(url, limits)).toEqual({ ok: false, error: expect.stringContaining('ECONNREFUSED') });
  });
});
