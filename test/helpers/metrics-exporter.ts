// A Prometheus text-format target on 127.0.0.1 for tests and benchmarks: each request's path is answered by
// `answer` (the exposition text, or a status, or silence to make the reader time out).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ExporterAnswer = string | { status: number; body?: string } | 'hang';

export interface MetricsExporter {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  requests: number;
  close(): Promise<void>;
}

export async function startMetricsExporter(answer: (path: string) => ExporterAnswer): Promise<MetricsExporter> {
  const hanging = new Set<import('node:http').ServerResponse>();
  const exporter = { origin: '', requests: 0, close };
  const server: Server = createServer((req, res) => {
    exporter.requests++;
    const a = answer(req.url ?? '/');
    if (a === 'hang') {
      hanging.add(res);
      return;
    }
    const { status, body } = typeof a === 'string' ? { status: 200, body: a } : a;
    res.writeHead(status, { 'content-type': 'text/plain; version=0.0.4' }).end(body ?? '');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  exporter.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return exporter;

  async function close(): Promise<void> {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
