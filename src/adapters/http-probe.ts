// HttpProbe over the global fetch. It never follows redirects: the URL was checked against the verifier allowlist,
// and a redirect could lead anywhere (SSRF), so a 3xx is reported as the answer it is.
import type { HttpProbe } from './ports';

export class FetchHttpProbe implements HttpProbe {
  async get(url: string, timeoutMs: number): Promise<{ status: number; ok: boolean; error?: string }> {
    try {
      const response = await fetch(url, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      // Only the status matters; dropping the body frees the connection.
      await response.body?.cancel();
      return { status: response.status, ok: response.ok };
    } catch (err) {
      // status 0: no HTTP answer at all (refused, timed out, bad URL).
      return { status: 0, ok: false, error: describeFetchFailure(err, timeoutMs) };
    }
  }
}

/** Why a fetch got no HTTP answer, with the socket error undici hides in `cause`. */
export function describeFetchFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof DOMException && err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (err instanceof Error) {
    // undici hides the socket error (ECONNREFUSED, ENOTFOUND) in `cause`.
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
