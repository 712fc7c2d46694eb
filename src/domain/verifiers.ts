// Rules for the named verifiers: which ones exist, their parameters, the HTTP allowlist (an SSRF guard), and how
// verdicts combine. The checks themselves are I/O and live in activities.
import type { VerifierSpec, VerifierVerdict } from './heal';

export const VERIFIER_NAMES = ['container_health', 'http_probe', 'metric_recheck', 'all', 'any'] as const;
const MAX_DEPTH = 3;

/** True when `raw` is an http(s) URL under one of the allowlisted prefixes (same origin, path below the prefix). */
export function urlAllowed(raw: string, allowlist: string[]): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.username || url.password) return false;
  return allowlist.some((entry) => {
    let allowed: URL;
    try {
      allowed = new URL(entry);
    } catch {
      return false;
    }
    if (allowed.origin !== url.origin) return false;
    const prefix = allowed.pathname;
    return url.pathname === prefix || url.pathname.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
  });
}

/** What is wrong with a verifier spec, in words a client can act on; empty when it is fine. */
export function verifierProblems(spec: VerifierSpec, allowlist: string[], depth = 0): string[] {
  switch (spec.name) {
    case 'container_health':
      return [];
    case 'http_probe':
      return urlAllowed(spec.params.url, allowlist)
        ? []
        : [`http_probe url ${JSON.stringify(spec.params.url)} is not under an allowed prefix (${allowlist.join(', ') || 'none configured'})`];
    case 'metric_recheck':
      return spec.params.metrics.length === 0 ? ['metric_recheck needs at least one metric'] : [];
    case 'all':
    case 'any':
      if (depth >= MAX_DEPTH) return [`${spec.name}: verifiers nest at most ${MAX_DEPTH} deep`];
      if (spec.params.verifiers.length === 0) return [`${spec.name} needs at least one verifier`];
      return spec.params.verifiers.flatMap((v) => verifierProblems(v, allowlist, depth + 1));
    default:
      return [`unknown verifier ${JSON.stringify((spec as { name: unknown }).name)}`];
  }
}

export function allOf(verdicts: VerifierVerdict[]): VerifierVerdict {
  return { healthy: verdicts.every((v) => v.healthy), evidence: verdicts.flatMap((v) => v.evidence) };
}

export function anyOf(verdicts: VerifierVerdict[]): VerifierVerdict {
  return { healthy: verdicts.some((v) => v.healthy), evidence: verdicts.flatMap((v) => v.evidence) };
}
