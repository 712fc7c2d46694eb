// A tiny local HTTP server for the http_probe verifier: it answers /health with whatever status the test sets, so a
// heal's verification can be made to pass or fail on demand. Loopback only; its URL goes into VERIFY_HTTP_ALLOWLIST.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpTarget {
  /** http://127.0.0.1:<port>/health */
  url: string;
  /** The status /health answers from now on. */
  answer(status: number): void;
  /** Requests /health received so far. */
  hits(): number;
  close(): Promise<void>;
}

export async function startHttpTarget(initialStatus = 200): Promise<HttpTarget> {
  let status = initialStatus;
  let hits = 0;
  const server = http.createServer((req, res) => {
    if (req.url !== '/health') {
      res.writeHead(404).end();
      return;
    }
    hits++;
    res.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/health`,
    answer: (next) => (status = next),
    hits: () => hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
