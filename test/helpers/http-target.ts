// A tiny local HTTP server for the http_probe verifier: each URL under its prefix answers whatever status the test
// set for it (200 until told otherwise), so concurrent heals can each be made to pass or fail verification on demand.
// Loopback only; its prefix goes into VERIFY_HTTP_ALLOWLIST.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpTarget {
  /** http://127.0.0.1:<port>/health: the allowlist entry. */
  prefix: string;
  /** The URL under the prefix for `name`. */
  url(name: string): string;
  /** The status `url(name)` answers from now on. */
  answer(name: string, status: number): void;
  close(): Promise<void>;
}

export async function startHttpTarget(): Promise<HttpTarget> {
  const statuses = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const name = /^\/health\/([\w.-]+)$/.exec(req.url ?? '')?.[1];
    const status = name === undefined ? 404 : (statuses.get(name) ?? 200);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const prefix = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  return {
    prefix,
    url: (name) => `${prefix}/${name}`,
    answer: (name, status) => statuses.set(name, status),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
