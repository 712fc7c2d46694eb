import { describe, expect, it } from 'vitest';
import { allOf, anyOf, urlAllowed, verifierProblems } from '../../../src/domain/verifiers';

const allowlist = ['http://127.0.0.1:3000/health', 'https://status.example.test/'];

describe('urlAllowed (the http_probe SSRF guard)', () => {
  it.each([
    ['http://127.0.0.1:3000/health', true],
    ['http://127.0.0.1:3000/health/deep', true],
    ['http://127.0.0.1:3000/health?x=1', true],
    ['https://status.example.test/api/v1', true],
    ['http://127.0.0.1:3000/healthz', false],
    ['http://127.0.0.1:3000/', false],
    ['http://127.0.0.1:3001/health', false],
    ['http://localhost:3000/health', false],
    ['http://127.0.0.1:3000@169.254.169.254/health', false],
    ['http://user:pw@127.0.0.1:3000/health', false],
    ['file:///etc/passwd', false],
    ['gopher://127.0.0.1:3000/health', false],
    ['http://127.0.0.1:3000/health/../admin', false],
    ['http://10.0.0.1/health', false],
    ['not a url', false],
  ])('%s -> %s', (url, expected) => {
    expect(urlAllowed(url, allowlist)).toBe(expected);
  });

  it('allows nothing when the allowlist is empty', () => {
    expect(urlAllowed('http://127.0.0.1:3000/health', [])).toBe(false);
  });
});

describe('verifierProblems', () => {
  it('accepts allowlisted probes and known verifiers', () => {
    expect(verifierProblems({ name: 'http_probe', params: { url: 'http://127.0.0.1:3000/health' } }, allowlist)).toEqual([]);
    expect(verifierProblems({ name: 'container_health' }, allowlist)).toEqual([]);
  });

  it('names the URL that is outside the allowlist, inside composites too', () => {
    const problems = verifierProblems(
      { name: 'all', params: { verifiers: [{ name: 'container_health' }, { name: 'http_probe', params: { url: 'http://169.254.169.254/' } }] } },
      allowlist,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('169.254.169.254');
  });

  it('refuses unknown verifier names and empty metric lists', () => {
    expect(verifierProblems({ name: 'exec_shell' } as never, allowlist)[0]).toContain('unknown verifier');
    expect(verifierProblems({ name: 'metric_recheck', params: { metrics: [] } }, allowlist)[0]).toContain('at least one metric');
  });
});

describe('verdict composition', () => {
  const ok = { healthy: true, evidence: ['a'] };
  const bad = { healthy: false, evidence: ['b'] };
  it('all needs every verdict, any needs one, and both keep all evidence', () => {
    expect(allOf([ok, bad])).toEqual({ healthy: false, evidence: ['a', 'b'] });
    expect(anyOf([ok, bad])).toEqual({ healthy: true, evidence: ['a', 'b'] });
    expect(allOf([])).toEqual({ healthy: true, evidence: [] });
  });
});
