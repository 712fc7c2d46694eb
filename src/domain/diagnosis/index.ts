export { diagnose, UNKNOWN_CONFIDENCE } from './engine';
export { DEFAULT_RULES } from './default-rules';
export { parseRules, RulesFileError } from './rules-file';
export { createRuleRegistry, type RuleRegistry } from './registry';
export type { RuleProblem } from './rule-validation';
export type {
  AnomalyMatch,
  Condition,
  ContextMatch,
  DiagnosisRule,
  ImpactSource,
  MetricPattern,
  RuleOutcome,
} from './rule-types';
