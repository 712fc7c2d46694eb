import {
  checkKeys,
  checkList,
  checkNumber,
  checkOneOf,
  checkString,
  describeValue,
  isRecord,
  type Report,
} from './field-checks';

const COMBINATORS = ['all', 'any'] as const;
const CLAUSES = ['anomaly', 'no_anomaly', 'context'] as const;
const CONTAINER_STATES = ['running', 'exited', 'restarting', 'paused', 'created', 'dead', 'removing'] as const;
const HEALTH = ['healthy', 'unhealthy', 'starting', 'none'] as const;
const GLOB = {
  re: /^[A-Za-z0-9_.:*?-]+$/,
  hint: 'is not a metric glob (letters, digits, _ . : - and the wildcards * ?)',
};

function checkMetricPattern(v: unknown, field: string, report: Report): void {
  const globs = (x: unknown, f: string): boolean =>
    checkString(x, f, report) && x.split('|').every((g) => checkString(g.trim(), f, report, GLOB));
  if (Array.isArray(v)) checkList(v, field, report, globs);
  else globs(v, field);
}

function checkAnomalyMatch(v: unknown, field: string, report: Report): void {
  if (!isRecord(v)) return report(field, `must be an object, got ${describeValue(v)}`);
  checkKeys(v, ['metric', 'direction', 'min_severity', 'min_score'], field, report);
  checkMetricPattern(v.metric, `${field}.metric`, report);
  if (v.direction !== undefined) checkOneOf(v.direction, ['above', 'below'], `${field}.direction`, report);
  if (v.min_severity !== undefined) checkOneOf(v.min_severity, ['medium', 'high'], `${field}.min_severity`, report);
  if (v.min_score !== undefined) checkNumber(v.min_score, `${field}.min_score`, report, { min: 0, max: 1 });
}

function checkContextMatch(v: unknown, field: string, report: Report): void {
  if (!isRecord(v)) return report(field, `must be an object, got ${describeValue(v)}`);
  checkKeys(v, ['containers_in_state', 'health', 'restart_count_gte', 'min_containers'], field, report);
  if (v.containers_in_state === undefined && v.health === undefined && v.restart_count_gte === undefined) {
    report(field, 'needs at least one of containers_in_state, health, restart_count_gte');
  }
  if (v.containers_in_state !== undefined) {
    checkList(v.containers_in_state, `${field}.containers_in_state`, report, (x, f) =>
      checkOneOf(x, CONTAINER_STATES, f, report),
    );
  }
  if (v.health !== undefined) checkOneOf(v.health, HEALTH, `${field}.health`, report);
  const counts = { min: 1, max: 1e6, integer: true };
  if (v.restart_count_gte !== undefined) checkNumber(v.restart_count_gte, `${field}.restart_count_gte`, report, counts);
  if (v.min_containers !== undefined) checkNumber(v.min_containers, `${field}.min_containers`, report, counts);
}

/** Checks one condition; returns whether it holds an anomaly or context clause (a predicate made only of gates could fire on nothing). */
export function checkCondition(v: unknown, field: string, report: Report): boolean {
  const keys = [...COMBINATORS, ...CLAUSES];
  if (!isRecord(v) || Object.keys(v).length !== 1) {
    report(field, `must be an object with exactly one of ${keys.join(', ')}, got ${describeValue(v)}`);
    return false;
  }
  const [key, body] = Object.entries(v)[0] as [string, unknown];
  const path = `${field}.${key}`;
  switch (key) {
    case 'all':
    case 'any': {
      let positive = false;
      checkList(body, path, report, (c, f) => {
        positive = checkCondition(c, f, report) || positive;
        return true;
      });
      return positive;
    }
    case 'anomaly':
    case 'no_anomaly':
      checkAnomalyMatch(body, path, report);
      return key === 'anomaly';
    case 'context':
      checkContextMatch(body, path, report);
      return true;
    default:
      report(path, `unknown condition (allowed: ${keys.join(', ')})`);
      return false;
  }
}
