// Webhook signing: the signature a receiver can recompute from the raw body and the timestamp, refused when the body,
// the secret or the timestamp's age is wrong; and a signed POST to a real receiver on 127.0.0.1 that checks it.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postSignedWebhook, verifyWebhookSignature, webhookSignature } from '../../../src/adapters/webhook';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver';

const SECRET = 'a-webhook-secret-of-at-least-32-characters';
const now = () => Math.floor(Date.now() / 1000);

describe('webhookSignature and verifyWebhookSignature', () => {
  const body = '{"id":"incident:x:opened","type":"incident.opened"}';
  const check = (over: Partial<Parameters<typeof verifyWebhookSignature>[0]> = {}) =>
    verifyWebhookSignature({ secret: SECRET, body, timestamp: '1700000000', signature: webhookSignature(SECRET, 1700000000, body), nowSeconds: 1700000010, toleranceSeconds: 300, ...over });

  it('is v1= and the hex HMAC-SHA256 of "<timestamp>.<body>", as a receiver recomputes it', () => {
    const expected = createHmac('sha256', SECRET).update(`1700000000.${body}`).digest('hex');
    expect(webhookSignature(SECRET, 1700000000, body)).toBe(`v1=${expected}`);
    expect(check()).toEqual({ ok: true });
  });

  it('refuses another body, another secret, a missing or malformed signature', () => {
    expect(check({ body: body.replace('opened', 'resolved') })).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(check({ secret: `${SECRET}!` })).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(check({ signature: 'v1=abc' })).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('refuses a timestamp outside the tolerance either way, and a missing or malformed one', () => {
    expect(check({ nowSeconds: 1700000301 })).toEqual({ ok: false, reason: 'stale timestamp' });
    expect(check({ nowSeconds: 1699999699 })).toEqual({ ok: false, reason: 'stale timestamp' });
    expect(check({ nowSeconds: 1700000300 })).toEqual({ ok: true });
    expect(check({ timestamp: undefined })).toEqual({ ok: false, reason: 'missing or malformed timestamp' });
    expect(check({ timestamp: '17e8' })).toEqual({ ok: false, reason: 'missing or malformed timestamp' });
    // The timestamp is signed: moving it forward to look fresh breaks the signature.
    expect(check({ timestamp: '1700000005' })).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('accepts any one of several signatures (a secret being rotated)', () => {
    expect(check({ signature: `${webhookSignature('the-old-secret', 1700000000, body)},${webhookSignature(SECRET, 1700000000, body)}` })).toEqual({ ok: true });
  });
});

describe('postSignedWebhook to a real receiver', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => (receiver = await startWebhookReceiver(SECRET)));
  afterAll(async () => receiver.close());

  const post = (over: Partial<Parameters<typeof postSignedWebhook>[0]> = {}) =>
    postSignedWebhook({ url: receiver.url('generic'), body: '{"type":"incident.opened"}', secret: SECRET, deliveryId: 'd-1', nowSeconds: now(), timeoutMs: 5000, ...over });

  it('is accepted with its delivery id and timestamp', async () => {
    const t = now();
    expect(await post({ nowSeconds: t })).toEqual({ status: 200 });
    expect(receiver.accepted.at(-1)).toEqual({ path: '/hooks/generic', delivery: 'd-1', timestamp: t, body: { type: 'incident.opened' } });
  });

  it('is refused when stale (a replay) or signed with another secret', async () => {
    expect(await post({ nowSeconds: now() - 3600 })).toEqual({ status: 401 });
    expect(await post({ secret: 'another-secret-of-at-least-32-characters' })).toEqual({ status: 401 });
    expect(receiver.refused.slice(-2).map((r) => r.reason)).toEqual(['stale timestamp', 'signature mismatch']);
  });

  it('reports no answer as status 0 with the reason, and never follows a redirect', async () => {
    const closed = await startWebhookReceiver(SECRET);
    await closed.close();
    const answer = await post({ url: closed.url('gone') });
    expect(answer.status).toBe(0);
    expect(answer.error).toMatch(/ECONNREFUSED/);
    receiver.failNext(1, 302);
    expect(await post()).toEqual({ status: 302 });
  });
});
