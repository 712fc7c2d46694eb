// Diagnosis rules for a process: the defaults plus the rules file, validated at startup (a bad file stops the
// process with the file, rule id and field).
import { readFileSync } from 'node:fs';
import type { Config } from '../config';
import { createRuleRegistry, DEFAULT_RULES, parseRules, type DiagnosisRule } from '../domain/diagnosis';

export function loadRules(config: Config): readonly DiagnosisRule[] {
  const registry = createRuleRegistry(DEFAULT_RULES);
  const file = config.diagnosis.rulesFile;
  if (file) registry.registerAll(parseRules(readFileSync(file, 'utf8'), file), file);
  return registry.rules();
}

/** Issue types a heal request may name: every rule's outcome, plus the engine's own `unknown` and `none`. */
export function issueTypesOf(rules: readonly DiagnosisRule[]): Set<string> {
  return new Set(['unknown', 'none', ...rules.map((r) => r.outcome.issue_type)]);
}
