// Signed webhooks: HMAC-SHA256 over `<timestamp>.<raw body>` with a shared secret, so a receiver can tell that a
// notification comes from selfheal, is unaltered, and is fresh (a captured request replayed later carries an old
// timestamp and is refused). The scheme is Stripe's and Slack's: docs/autopilot.md, "Webhooks", has the receiver's recipe.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describeFetchFailure } from './http-probe';

export const TIMESTAMP_HEADER = 'x-selfheal-timestamp';
export const SIGNATURE_HEADER = 'x-selfheal-signature';
export const DELIVERY_HEADER = 'x-selfheal-delivery';
const VERSION = 'v1';

/** `v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`; `timestamp` in Unix seconds. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `${VERSION}=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * What a receiver does: the timestamp within `toleranceSeconds` of its own clock, and one of the signatures (a
 * comma-separated list, so a secret can be rotated by sending two) equal to its own, compared in constant time.
 */
export function verifyWebhookSignature(input: {
  secret: string;
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  nowSeconds: number;
  toleranceSeconds: number;
}): SignatureCheck {
  const { timestamp, signature } = input;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing or malformed timestamp' };
  if (Math.abs(input.nowSeconds - Number(timestamp)) > input.toleranceSeconds) return { ok: false, reason: 'stale timestamp' };
  const expected = Buffer.from(webhookSignature(input.secret, Number(timestamp), input.body));
  const given = (signature ?? '').split(',').map((s) => Buffer.from(s.trim()));
  return given.some((g) => g.length === expected.length && timingSafeEqual(g, expected)) ? { ok: true } : { ok: false, reason: 'signature mismatch' };
}

export interface WebhookAnswer {
  /** 0 when there was no HTTP answer (refused, timed out). */
  status: number;
  error?: string;
}

/**
 * Posts a signed JSON body. Never follows redirects: the URL was checked against WEBHOOK_ALLOWLIST and a redirect
 * could lead anywhere; a 3xx is the answer it is.
 */
export async function postSignedWebhook(input: { url: string; body: string; secret: string; deliveryId: string; nowSeconds: number; timeoutMs: number }): Promise<WebhookAnswer> {
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'selfheal-webhook/1',
    [TIMESTAMP_HEADER]: String(input.nowSeconds),
    [SIGNATURE_HEADER]: webhookSignature(input.secret, input.nowSeconds, input.body),
    [DELIVERY_HEADER]: input.deliveryId,
  };
  try {
    const res = await fetch(input.url, { method: 'POST', headers, body: input.body, redirect: 'manual', signal: AbortSignal.timeout(input.timeoutMs) });
    await res.body?.cancel();
    return { status: res.status };
  } catch (err) {
    return { status: 0, error: describeFetchFailure(err, input.timeoutMs) };
  }
}
