// Graduated autonomy: how far the autopilot may go for each (service, strategy), read from a YAML policy file.
// Pure: the caller reads the file and names its version.
//
//   default: shadow                # every strategy of every listed service not named below (shadow when absent)
//   services:                      # the services the autopilot watches
//     api:
//       default: suggest           # this service's strategies not named below (the file's default when absent)
//       strategies:
//         restart_unhealthy: auto
import { parse as parseYaml } from 'yaml';
import { checkKeys, describeValue, isRecord } from '../diagnosis/field-checks';

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
    checkKeys(body, ['default', 'strategies'], at, fail);
    const rawStrategies = body['strategies'] ?? {};
    if (!isRecord(rawStrategies)) return fail(`${at}.strategies`, 'expected a mapping of strategy name to level');
    const strategies: Record<string, AutonomyLevel> = {};
    for (const [strategy, value] of Object.entries(rawStrategies)) {
      const field = `${at}.strategies.${strategy}`;
      if (!knownStrategies.includes(strategy)) fail(field, `unknown strategy; known: ${knownStrategies.join(', ')}`);
      strategies[strategy] = level(value, field, fail);
    }
    services[name] = { defaultLevel: body['default'] === undefined ? null : level(body['default'], `${at}.default`, fail), strategies };
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

function level(value: unknown, field: string, fail: (field: string, reason: string) => never): AutonomyLevel {
  if (typeof value === 'string' && (AUTONOMY_LEVELS as readonly string[]).includes(value)) return value as AutonomyLevel;
  return fail(field, `${describeValue(value)} is not a level; one of ${AUTONOMY_LEVELS.join(', ')}`);
}
