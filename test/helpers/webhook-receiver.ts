// A real webhook receiver on 127.0.0.1, doing what docs/autopilot.md ("Webhooks") tells receivers to do: read the raw
// body, refuse a stale or missing timestamp and a wrong signature with 401, and keep what it accepted. A test can
// make it fail the next requests with a status of its choice, and wait for a delivery.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, DELIVERY_HEADER, verifyWebhookSignature } from '../../src/adapters/webhook';

export interface Delivery {
  path: string;
  delivery: string | undefined;
  timestamp: number;
  body: Record<string, unknown>;
}

export interface WebhookReceiver {
  /** http://127.0.0.1:<port>/hooks: the WEBHOOK_ALLOWLIST entry. */
  prefix: string;
  url(name: string): string;
  /** Accepted deliveries, in arrival order. */
  accepted: Delivery[];
  /** Requests refused, with the reason (a bad signature, a stale timestamp) or the status the test asked for. */
  refused: Array<{ path: string; reason: string }>;
  /** The next `count` requests answer `status` (before any check). */
  failNext(count: number, status: number): void;
  /** Resolves with the first accepted delivery that matches (already there or still to come). */
  waitFor(match: (d: Delivery) => boolean, what: string, timeoutMs?: number): Promise<Delivery>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string, toleranceSeconds = 300): Promise<WebhookReceiver> {
  const accepted: Delivery[] = [];
  const refused: WebhookReceiver['refused'] = [];
  const waiters: Array<() => void> = [];
  let failing = { count: 0, status: 500 };
  const header = (req: http.IncomingMessage, name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      if (failing.count > 0) {
        failing.count--;
        refused.push({ path, reason: `told to answer ${failing.status}` });
        res.writeHead(failing.status).end();
        return;
      }
      // The signature is over the bytes as sent: verify before parsing.
      const body = Buffer.concat(chunks).toString('utf8');
      const timestamp = header(req, TIMESTAMP_HEADER);
      const check = verifyWebhookSignature({ secret, body, timestamp, signature: header(req, SIGNATURE_HEADER), nowSeconds: Math.floor(Date.now() / 1000), toleranceSeconds });
      if (!check.ok) {
        refused.push({ path, reason: check.reason });
        res.writeHead(401, { 'content-type': 'text/plain' }).end(check.reason);
        return;
      }
      accepted.push({ path, delivery: header(req, DELIVERY_HEADER), timestamp: Number(timestamp), body: JSON.parse(body) as Record<string, unknown> });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const prefix = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return {
    prefix,
    url: (name) => `${prefix}/${name}`,
    accepted,
    refused,
    failNext: (count, status) => (failing = { count, status }),
    async waitFor(match, what, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = accepted.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no webhook delivery: ${what} (accepted: ${accepted.map((d) => d.body['type']).join(', ') || 'none'}; refused: ${refused.map((r) => r.reason).join(', ') || 'none'})`);
        // Woken by the next delivery, or after a while to check the deadline.
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 1000);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
