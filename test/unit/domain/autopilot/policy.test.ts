// The autonomy policy file: validated with the field named, and the level that applies to each (service, strategy).
import { describe, expect, it } from 'vitest';
import { levelFor, parseAutopilotPolicy, PolicyFileError, scrapeTargetOutsideAllowlist, watchedServices } from '../../../../src/domain/autopilot';
import { strategyNames } from '../../../../src/domain/strategies';

const file = { path: 'autopilot.yaml', version: 'v1' };
const parse = (text: string) => parseAutopilotPolicy(text, file, strategyNames());

function problem(text: string): { field: string; reason: string } {
  try {
    parse(text);
  } catch (err) {
    if (err instanceof PolicyFileError) return { field: err.field, reason: err.reason };
    throw err;
  }
  throw new Error('the policy was accepted');
}

describe('autopilot policy file', () => {
  const policy = parse(`
default: suggest
services:
  api:
    strategies:
      restart_unhealthy: auto
      scale_service: off
  checkout:
    default: approve
  quiet:
`);

  it('a named strategy takes its own level, and says which entry gave it', () => {
    expect(levelFor(policy, 'api', 'restart_unhealthy')).toEqual({ level: 'auto', rule: 'services.api.strategies.restart_unhealthy', source: 'autopilot.yaml', version: 'v1' });
    expect(levelFor(policy, 'api', 'scale_service').level).toBe('off');
  });

  it("a strategy not named takes the service's default, then the file's", () => {
    expect(levelFor(policy, 'checkout', 'restart_unhealthy')).toMatchObject({ level: 'approve', rule: 'services.checkout.default' });
    expect(levelFor(policy, 'api', 'rolling_restart')).toMatchObject({ level: 'suggest', rule: 'default' });
    expect(levelFor(policy, 'quiet', 'rolling_restart')).toMatchObject({ level: 'suggest', rule: 'default' });
  });

  it('new services and an empty file default to shadow', () => {
    const empty = parse('services:\n  api:\n');
    expect(levelFor(empty, 'api', 'restart_unhealthy')).toMatchObject({ level: 'shadow', rule: 'default' });
    expect(levelFor(parse(''), 'other', 'restart_unhealthy').level).toBe('shadow');
  });

  it('the services it names are the ones watched', () => {
    expect(watchedServices(policy)).toEqual(['api', 'checkout', 'quiet']);
  });

  it('a service inherits nothing from Object.prototype', () => {
    expect(levelFor(policy, 'constructor', 'toString')).toMatchObject({ level: 'suggest', rule: 'default' });
  });

  it.each([
    ['default: always', 'default', '"always" is not a level'],
    ['services:\n  api:\n    strategies:\n      restart_unhealthy: yes-please', 'services.api.strategies.restart_unhealthy', 'is not a level'],
    ['services:\n  api:\n    strategies:\n      reboot_everything: auto', 'services.api.strategies.reboot_everything', 'unknown strategy'],
    ['services:\n  api:\n    default: 3', 'services.api.default', 'number 3 is not a level'],
    ['services:\n  api:\n    level: auto', 'services.api.level', 'unknown field'],
    ['mode: auto', 'mode', 'unknown field'],
    ['services: [api]', 'services', 'expected a mapping'],
    ['services:\n  "bad name!": {}', 'services.bad name!', 'not a valid service name'],
    ['services:\n  api:\n    strategies: [restart_unhealthy]', 'services.api.strategies', 'expected a mapping'],
    ['- just a list', '(root)', 'expected a mapping'],
    ['services: {api: [', '(syntax)', ''],
    ['services:\n  api:\n    scrape: http://x/metrics', 'services.api.scrape', 'expected a list of targets'],
    ['services:\n  api:\n    scrape: [http://x/metrics]', 'services.api.scrape[0]', 'expected a mapping with `url`'],
    ['services:\n  api:\n    scrape: [{url: ftp://x/metrics}]', 'services.api.scrape[0].url', 'is not an http(s) URL'],
    ['services:\n  api:\n    scrape: [{url: "http://x/m", metrics: []}]', 'services.api.scrape[0].metrics', 'non-empty list of metric family names'],
    ['services:\n  api:\n    scrape: [{url: "http://x/m", metrics: ["a b"]}]', 'services.api.scrape[0].metrics', 'non-empty list of metric family names'],
    ['services:\n  api:\n    scrape: [{url: "http://x/m", every: 5}]', 'services.api.scrape[0].every', 'unknown field'],
  ])('%j is refused naming %s', (text, field, reason) => {
    const p = problem(text);
    expect(p.field).toBe(field);
    expect(p.reason).toContain(reason);
  });

  it('reads scrape targets, with their metric families or without', () => {
    const p = parse('services:\n  api:\n    scrape:\n      - url: http://127.0.0.1:9100/metrics\n        metrics: [latency_seconds]\n      - url: http://127.0.0.1:9200/metrics\n');
    expect(p.services['api']!.scrape).toEqual([{ url: 'http://127.0.0.1:9100/metrics', metrics: ['latency_seconds'] }, { url: 'http://127.0.0.1:9200/metrics' }]);
    expect(scrapeTargetOutsideAllowlist(p, ['http://127.0.0.1:9100/metrics', 'http://127.0.0.1:9200/'])).toBeNull();
    expect(scrapeTargetOutsideAllowlist(p, ['http://127.0.0.1:9100/metrics'])).toEqual({ field: 'services.api.scrape[1].url', reason: expect.stringContaining('not under a VERIFY_HTTP_ALLOWLIST prefix') });
  });

  it('the error message names the file and the field', () => {
    expect(() => parse('default: always')).toThrow(/^autopilot\.yaml: field default: "always" is not a level/);
  });
});
