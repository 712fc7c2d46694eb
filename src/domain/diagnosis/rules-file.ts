import { parse as parseYaml } from 'yaml';
import { strategyNames } from '../strategies';
import { checkKeys, describeValue, isRecord } from './field-checks';
import type { DiagnosisRule } from './rule-types';
import { duplicateIdProblems, validateRule, type RuleProblem } from './rule-validation';

/** A rules file (or a code registration) with problems: the message names the file, each rule and field, and why. */
export class RulesFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly RuleProblem[],
  ) {
    super(problems.map((p) => `${file}: ${p.rule}, field ${p.field}: ${p.reason}`).join('\n'));
    this.name = 'RulesFileError';
  }
}

function fileProblem(field: string, reason: string): RuleProblem {
  return { rule: '(file)', field, reason };
}

function parseText(text: string, fileName: string): unknown {
  const lower = fileName.toLowerCase();
  const isJson = lower.endsWith('.json');
  if (!isJson && !lower.endsWith('.yaml') && !lower.endsWith('.yml')) {
    throw new RulesFileError(fileName, [fileProblem('(name)', 'a rules file must end with .yaml, .yml or .json')]);
  }
  try {
    return isJson ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new RulesFileError(fileName, [
      fileProblem('(syntax)', (err as Error).message.split('\n')[0] ?? 'unreadable'),
    ]);
  }
}

/** Checks rules given as untyped data (from a file or from code) and returns them typed, or throws with every problem. */
export function validateRules(
  raw: readonly unknown[],
  source: string,
  takenIds: ReadonlySet<string> = new Set(),
): DiagnosisRule[] {
  const known = strategyNames();
  const problems = raw.flatMap((r, i) => validateRule(r, i, known));
  if (problems.length > 0) throw new RulesFileError(source, problems);
  // Validated above: every item is a well-formed rule.
  const rules = raw as DiagnosisRule[];
  const duplicates = duplicateIdProblems(rules, takenIds);
  if (duplicates.length > 0) throw new RulesFileError(source, duplicates);
  return rules;
}

/**
 * Parses a rules file: YAML (.yaml, .yml) or JSON (.json) holding `{ rules: [ { id, description, predicate, outcome } ] }`.
 * Pure: the caller reads the file. Throws RulesFileError naming the file, the rule and the field.
 */
export function parseRules(text: string, fileName: string): DiagnosisRule[] {
  const doc = parseText(text, fileName);
  if (!isRecord(doc))
    throw new RulesFileError(fileName, [
      fileProblem('(top level)', `must be an object with "rules", got ${describeValue(doc)}`),
    ]);
  const problems: RuleProblem[] = [];
  checkKeys(doc, ['rules'], '', (field, reason) => problems.push(fileProblem(field, reason)));
  if (!Array.isArray(doc.rules))
    problems.push(fileProblem('rules', `must be a list of rules, got ${describeValue(doc.rules)}`));
  if (problems.length > 0 || !Array.isArray(doc.rules)) throw new RulesFileError(fileName, problems);
  return validateRules(doc.rules, fileName);
}
