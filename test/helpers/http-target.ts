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
  /**
   * Holds every request for `url(name)` unanswered until `release(status)` is called, which answers them and every
   * later one with `status`. A test can then observe an effect that verification would otherwise undo at once.
   */
  hold(name: string): (status: number) => void;
  /** How many requests for `url(name)` are held unanswered now. */
  heldRequests(name: string): number;
  close(): Promise<void>;
}

export async function startHttpTarget(): Promise<HttpTarget> {
  const statuses = new Map<string, number>();
  const held = new Map<string, Array<() => void>>();
  const server = http.createServer((req, res) => {
    const name = /^\/health\/([\w.-]+)$/.exec(req.url ?? '')?.[1];
    const respond = () => {
      const status = name === undefined ? 404 : (statuses.get(name) ?? 200);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
    };
    const waiting = name === undefined ? undefined : held.get(name);
    if (waiting) waiting.push(respond);
    else respond();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const prefix = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  return {
    prefix,
    url: (name) => `${prefix}/${name}`,
    answer: (name, status) => statuses.set(name, status),
    hold: (name) => {
      held.set(name, []);
      return (status) => {
        statuses.set(name, status);
        const waiting = held.get(name) ?? [];
        held.delete(name);
        for (const respond of waiting) respond();
      };
    },
    heldRequests: (name) => held.get(name)?.length ?? 0,
    close: () => {
      for (const name of [...held.keys()]) for (const respond of held.get(name) ?? []) respond();
      held.clear();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
