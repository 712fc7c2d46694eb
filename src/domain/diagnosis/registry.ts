import type { DiagnosisRule } from './rule-types';
import { validateRules } from './rules-file';

export interface RuleRegistry {
  /** Validates as a rules file would; throws RulesFileError (naming `source`) on any problem or a taken id. */
  register(rule: DiagnosisRule, source?: string): void;
  /** All or nothing: when one rule is bad, none is added. */
  registerAll(rules: readonly DiagnosisRule[], source?: string): void;
  /** Rules in registration order (the engine's tie-break order). */
  rules(): readonly DiagnosisRule[];
}

const CODE_SOURCE = 'code registration';

export function createRuleRegistry(defaults: readonly DiagnosisRule[]): RuleRegistry {
  const rules: DiagnosisRule[] = [];
  const registerAll = (added: readonly DiagnosisRule[], source = CODE_SOURCE): void => {
    rules.push(...validateRules(added, source, new Set(rules.map((r) => r.id))));
  };
  registerAll(defaults, 'default rules');
  return {
    register: (rule, source) => registerAll([rule], source),
    registerAll,
    rules: () => [...rules],
  };
}
