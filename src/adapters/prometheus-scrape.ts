// Reads one Prometheus text-format target for the watch: a GET bounded in time and size, never following redirects
// (the URL was checked against the verifiers' allowlist; a redirect could lead anywhere). Anything but a 2xx
// answer whose body parses is a reason the service cannot be seen (blind), never a value.
import { parseExposition, type Exposition } from '../domain/autopilot/prometheus';
import { describeFetchFailure } from './http-probe';

export interface ScrapeLimits {
  timeoutMs: number;
  maxBytes: number;
}

export type ScrapeAnswer = { ok: true; exposition: Exposition } | { ok: false; error: string };

export async function scrapeTarget(url: string, limits: ScrapeLimits): Promise<ScrapeAnswer> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let text: string;
  try {
    const response = await fetch(url, { redirect: 'manual', signal, headers: { accept: 'text/plain;version=0.0.4' } });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, error: `HTTP ${response.status}` };
    }
    const body = await boundedText(response, limits.maxBytes);
    if (body === null) return { ok: false, error: `body larger than ${limits.maxBytes} bytes` };
    text = body;
  } catch (err) {
    return { ok: false, error: describeFetchFailure(err, limits.timeoutMs) };
  }
  try {
    return { ok: true, exposition: parseExposition(text) };
  } catch (err) {
    return { ok: false, error: `unparsable: ${(err as Error).message}` };
  }
}

/** The body as text, or null as soon as it passes maxBytes (the rest is not read). */
async function boundedText(response: Response, maxBytes: number): Promise<string | null> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes || !response.body) {
    await response.body?.cancel();
    return declared > maxBytes ? null : '';
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
