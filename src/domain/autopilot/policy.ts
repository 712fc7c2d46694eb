// Graduated autonomy: how far the autopilot may go for each (service, strategy), read from a YAML policy file.
// Pure: the caller reads the file and names its version.
//
//   default: shadow                # every strategy of every listed service not named below (shadow when absent)
//   services:                      # the services the autopilot watches
//     api:
//       default: suggest           # this service's strategies not named below (the file's default when absent)
//       strategies:
//         restart_unhealthy: auto
//       scrape:                    # Prometheus text-format targets the watch reads every sample (prometheus.ts)
//         - url: http://127.0.0.1:9100/metrics
//           metrics: [http_request_duration_seconds]   # only these families (all when absent)
//       push: true                 # fed by POST /metrics/batch too (pushed.ts): blind when nothing is pushed for a while
import { parse as parseYaml } from 'yaml';
import { checkKeys, describeValue, isRecord } from '../diagnosis/field-checks';
import { urlAllowed } from '../verifiers';

export const AUTONOMY_LEVELS = ['off', 'shadow', 'suggest', 'approve', 'auto'] as const;
/**
 * off: nothing, not even a record. shadow: decide and record what would have been done, never act. suggest: record
 * the decision as an offer for a person. approve: start the heal, which waits for a person's approval. auto: apply.
 */
export type AutonomyLevel = (typeof AUTONOMY_LEVELS)[number];

/** A new service, or a strategy nobody has promoted yet, is only watched and recorded. */
export const DEFAULT_LEVEL: AutonomyLevel = 'shadow';

export interface ServicePolicy {
  defaultLevel: AutonomyLevel | null;
  strategies: Record<string, AutonomyLevel>;
  /** Prometheus targets of the service; absent or empty: the Docker engine is its only source. */
  scrape?: ScrapeTarget[];
  /** Clients push its metrics (POST /api/self_healing/metrics/batch); absent: not a source of this service. */
  push?: boolean;
}

export interface ScrapeTarget {
  url: string;
  /** Metric families to analyse; absent: every family the target exposes. */
  metrics?: string[];
}

export interface AutopilotPolicy {
  /** The file the policy came from. */
  source: string;
  /** The content's digest: a decision names the exact policy it was made under. */
  version: string;
  defaultLevel: AutonomyLevel;
  services: Record<string, ServicePolicy>;
}

/** The level that applies to one (service, strategy), and which entry of which policy said so. */
export interface AppliedPolicy {
  level: AutonomyLevel;
  /** The YAML path that decided: `services.api.strategies.restart_unhealthy`, `services.api.default` or `default`. */
  rule: string;
  source: string;
  version: string;
}

export class PolicyFileError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${file}: field ${field}: ${reason}`);
    this.name = 'PolicyFileError';
  }
}

const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Parses and validates a policy file; throws PolicyFileError naming the first bad field. */
export function parseAutopilotPolicy(
  text: string,
  file: { path: string; version: string },
  knownStrategies: readonly string[],
): AutopilotPolicy {
  const fail = (field: string, reason: string): never => {
    throw new PolicyFileError(file.path, field, reason);
  };
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    fail('(syntax)', (err as Error).message.split('\n')[0] ?? 'unreadable YAML');
  }
  // An empty file is an empty policy: nothing watched.
  doc ??= {};
  if (!isRecord(doc)) return fail('(root)', 'expected a mapping with `default` and `services`');
  checkKeys(doc, ['default', 'services'], '', fail);
  const defaultLevel = doc['default'] === undefined ? DEFAULT_LEVEL : level(doc['default'], 'default', fail);
  const rawServices = doc['services'] ?? {};
  if (!isRecord(rawServices)) return fail('services', 'expected a mapping of service name to its policy');
  const services: Record<string, ServicePolicy> = {};
  for (const [name, raw] of Object.entries(rawServices)) {
    const at = `services.${name}`;
    if (!SERVICE_NAME.test(name)) fail(at, 'not a valid service name (letters, digits, _ . -, at most 63)');
    const body = raw ?? {};
    if (!isRecord(body)) return fail(at, 'expected a mapping with `default` and `strategies`');
    checkKeys(body, ['default', 'strategies', 'scrape', 'push'], at, fail);
    const rawStrategies = body['strategies'] ?? {};
    if (!isRecord(rawStrategies)) return fail(`${at}.strategies`, 'expected a mapping of strategy name to level');
    const strategies: Record<string, AutonomyLevel> = {};
    for (const [strategy, value] of Object.entries(rawStrategies)) {
      const field = `${at}.strategies.${strategy}`;
      if (!knownStrategies.includes(strategy)) fail(field, `unknown strategy; known: ${knownStrategies.join(', ')}`);
      strategies[strategy] = level(value, field, fail);
    }
    services[name] = { defaultLevel: body['default'] === undefined ? null : level(body['default'], `${at}.default`, fail), strategies };
    if (body['scrape'] !== undefined) services[name].scrape = scrapeTargets(body['scrape'], `${at}.scrape`, fail);
    if (body['push'] !== undefined) {
      if (typeof body['push'] !== 'boolean') fail(`${at}.push`, `expected true or false, got ${describeValue(body['push'])}`);
      if (body['push'] === true) services[name].push = true;
    }
  }
  return { source: file.path, version: file.version, defaultLevel, services };
}

/** The services the policy names: the ones the autopilot watches. */
export function watchedServices(policy: AutopilotPolicy): string[] {
  return Object.keys(policy.services).sort();
}

export function levelFor(policy: AutopilotPolicy, service: string, strategy: string): AppliedPolicy {
  const of = (level: AutonomyLevel, rule: string): AppliedPolicy => ({ level, rule, source: policy.source, version: policy.version });
  const sp = Object.hasOwn(policy.services, service) ? policy.services[service] : undefined;
  const named = sp && Object.hasOwn(sp.strategies, strategy) ? sp.strategies[strategy] : undefined;
  if (named) return of(named, `services.${service}.strategies.${strategy}`);
  if (sp?.defaultLevel) return of(sp.defaultLevel, `services.${service}.default`);
  return of(policy.defaultLevel, 'default');
}

const MAX_SCRAPE_TARGETS = 16;
const FAMILY_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function scrapeTargets(raw: unknown, at: string, fail: (field: string, reason: string) => never): ScrapeTarget[] {
  if (!Array.isArray(raw)) return fail(at, 'expected a list of targets ({url, metrics?})');
  if (raw.length > MAX_SCRAPE_TARGETS) fail(at, `at most ${MAX_SCRAPE_TARGETS} targets`);
  return raw.map((entry: unknown, i) => {
    const field = `${at}[${i}]`;
    if (!isRecord(entry)) return fail(field, 'expected a mapping with `url` and optionally `metrics`');
    checkKeys(entry, ['url', 'metrics'], field, fail);
    const url = entry['url'];
    if (typeof url !== 'string' || !/^https?:\/\//.test(url) || !URL.canParse(url)) return fail(`${field}.url`, `${describeValue(url)} is not an http(s) URL`);
    const metrics = entry['metrics'];
    if (metrics === undefined) return { url };
    if (!Array.isArray(metrics) || metrics.length === 0 || !metrics.every((m): m is string => typeof m === 'string' && FAMILY_NAME.test(m))) {
      return fail(`${field}.metrics`, 'expected a non-empty list of metric family names');
    }
    return { url, metrics };
  });
}

/**
 * The first scrape target outside the verifiers' URL allowlist (VERIFY_HTTP_ALLOWLIST: the same SSRF guard), as
 * the field and the reason a PolicyFileError names; null when every target is allowed.
 */
export function scrapeTargetOutsideAllowlist(policy: AutopilotPolicy, allowlist: readonly string[]): { field: string; reason: string } | null {
  for (const [service, sp] of Object.entries(policy.services)) {
    for (const [i, target] of (sp.scrape ?? []).entries()) {
      if (!urlAllowed(target.url, allowlist)) {
        return { field: `services.${service}.scrape[${i}].url`, reason: `not under a VERIFY_HTTP_ALLOWLIST prefix (${allowlist.join(', ') || 'none configured'})` };
      }
    }
  }
  return null;
}

function level(value: unknown, field: string, fail: (field: string, reason: string) => never): AutonomyLevel {
  if (typeof value === 'string' && (AUTONOMY_LEVELS as readonly string[]).includes(value)) return value as AutonomyLevel;
  return fail(field, `${describeValue(value)} is not a level; one of ${AUTONOMY_LEVELS.join(', ')}`);
}
