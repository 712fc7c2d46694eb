import { checkCondition } from './condition-validation';
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
import type { DiagnosisRule } from './rule-types';

export interface RuleProblem {
  /** `rule "id" (rules[i])`, or `rules[i]` when the id itself is unusable. */
  rule: string;
  field: string;
  reason: string;
}

const RULE_ID = {
  re: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
  hint: 'is not an id (letters, digits, _ . -, starting with a letter or digit)',
};
const ISSUE_TYPE = { re: /^[a-z][a-z0-9_]*$/, hint: 'is not an issue type (lower-case letters, digits and _)' };
/** Issue types the engine itself produces; a rule claiming them would be indistinguishable. */
const RESERVED_ISSUE_TYPES = ['none', 'unknown'];
const IMPACT_SOURCES = ['services', 'queues', 'containers', 'matched_containers'] as const;

function checkOutcome(v: unknown, knownStrategies: readonly string[], report: Report): void {
  if (!isRecord(v)) return report('outcome', `must be an object, got ${describeValue(v)}`);
  checkKeys(
    v,
    ['issue_type', 'root_cause', 'confidence', 'impacted_components', 'recommended_strategies'],
    'outcome',
    report,
  );
  if (
    checkString(v.issue_type, 'outcome.issue_type', report, ISSUE_TYPE) &&
    RESERVED_ISSUE_TYPES.includes(v.issue_type)
  ) {
    report('outcome.issue_type', `"${v.issue_type}" is reserved for the engine`);
  }
  checkString(v.root_cause, 'outcome.root_cause', report);
  checkNumber(v.confidence, 'outcome.confidence', report, { min: 0, max: 1, minExclusive: true });
  if (v.impacted_components !== undefined) {
    checkList(v.impacted_components, 'outcome.impacted_components', report, (x, f) =>
      checkOneOf(x, IMPACT_SOURCES, f, report),
    );
  }
  checkList(v.recommended_strategies, 'outcome.recommended_strategies', report, (x, f) => {
    if (!checkString(x, f, report)) return false;
    if (knownStrategies.includes(x)) return true;
    report(f, `unknown strategy "${x}" (known: ${knownStrategies.join(', ')})`);
    return false;
  });
}

/** Every problem of one rule, each naming the rule and the field; the rule is usable only when the list is empty. */
export function validateRule(raw: unknown, index: number, knownStrategies: readonly string[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const id = isRecord(raw) && typeof raw.id === 'string' && RULE_ID.re.test(raw.id) ? raw.id : undefined;
  const rule = id === undefined ? `rules[${index}]` : `rule "${id}" (rules[${index}])`;
  const report: Report = (field, reason) => problems.push({ rule, field, reason });
  if (!isRecord(raw)) {
    report('(rule)', `must be an object, got ${describeValue(raw)}`);
    return problems;
  }
  checkKeys(raw, ['id', 'description', 'predicate', 'outcome'], '', report);
  checkString(raw.id, 'id', report, RULE_ID);
  checkString(raw.description, 'description', report);
  const problemsBefore = problems.length;
  const positive = checkCondition(raw.predicate, 'predicate', report);
  if (!positive && problems.length === problemsBefore) {
    report('predicate', 'needs at least one anomaly or context condition: no_anomaly gates alone give no evidence');
  }
  checkOutcome(raw.outcome, knownStrategies, report);
  return problems;
}

/** Duplicate ids among `rules`, and against ids already taken (e.g. registered defaults). */
export function duplicateIdProblems(rules: readonly DiagnosisRule[], taken: ReadonlySet<string>): RuleProblem[] {
  const seen = new Set(taken);
  const problems: RuleProblem[] = [];
  rules.forEach((r, i) => {
    if (seen.has(r.id))
      problems.push({ rule: `rule "${r.id}" (rules[${i}])`, field: 'id', reason: `duplicate id "${r.id}"` });
    seen.add(r.id);
  });
  return problems;
}
