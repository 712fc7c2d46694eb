// The HttpProbe contract, run against FakeHttpProbe (unit) and FetchHttpProbe on a local HTTP server (integration):
// the status as answered, a redirect reported and never followed, status 0 with an error when nothing answers.
import { describe, expect, it } from 'vitest';
import type { HttpProbe } from '../../src/adapters/ports';

export interface HttpProbeSubject {
  probe: HttpProbe;
  /** A URL that answers `status` (a 3xx with a Location). */
  answering(status: number): string;
  /** A URL nothing answers at. */
  unreachable(): string;
}

export function describeHttpProbeContract(name: string, subject: () => HttpProbeSubject): void {
  describe(`HttpProbe contract: ${name}`, () => {
    it('reports the status as answered, ok only for 2xx, and never follows a redirect', async () => {
      const { probe, answering } = subject();
      expect(await probe.get(answering(200), 2000)).toEqual({ status: 200, ok: true });
      expect(await probe.get(answering(204), 2000)).toEqual({ status: 204, ok: true });
      expect(await probe.get(answering(503), 2000)).toEqual({ status: 503, ok: false });
      expect(await probe.get(answering(302), 2000)).toEqual({ status: 302, ok: false });
    });

    it('reports no answer as status 0 with the reason, never as a throw', async () => {
      const { probe, unreachable } = subject();
      const r = await probe.get(unreachable(), 2000);
      expect(r).toMatchObject({ status: 0, ok: false });
      expect(r.error).toMatch(/\S/);
    });
  });
}
