import { describe, expect, it } from 'vitest';
import {
  createRuleRegistry,
  DEFAULT_RULES,
  diagnose,
  parseRules,
  RulesFileError,
  type DiagnosisRule,
} from '../../../../src/domain/diagnosis';
import { anomaly } from './anomaly-fixture';

const GOOD_YAML = `
rules:
  - id: disk-full
    description: Disk usage above its baseline
    predicate:
      all:
        - anomaly: { metric: "disk_used*|fs_usage*", direction: above, min_severity: high }
        - no_anomaly: { metric: "cpu*" }
    outcome:
      issue_type: disk_pressure
      root_cause: disk filling up
      confidence: 0.7
      impacted_components: [services, containers]
      recommended_strategies: [rolling_restart, observe]
`;

function errorOf(fn: () => unknown): RulesFileError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RulesFileError) return err;
    throw err;
  }
  throw new Error('expected a RulesFileError');
}

function ruleYaml(body: string): string {
  return `rules:\n  - id: r1\n    description: d\n${body}`;
}

const OUTCOME = `    outcome: { issue_type: x, root_cause: y, confidence: 0.5, recommended_strategies: [observe] }\n`;
const PREDICATE = `    predicate: { anomaly: { metric: "x*" } }\n`;

describe('parseRules', () => {
  it('parses a valid YAML file into rules the engine uses', () => {
    const rules = parseRules(GOOD_YAML, 'rules.yaml');
    expect(rules.map((r) => r.id)).toEqual(['disk-full']);
    const d = diagnose([anomaly('disk_used_pct', 97)], { services: ['api'], containers: ['c1'] }, rules);
    expect(d).toMatchObject({ issue_type: 'disk_pressure', impacted_components: ['api', 'c1'] });
  });

  it('parses the same rules from JSON', () => {
    const json = JSON.stringify({ rules: parseRules(GOOD_YAML, 'rules.yml') });
    expect(parseRules(json, 'rules.json')).toEqual(parseRules(GOOD_YAML, 'rules.yaml'));
  });

  it.each([
    [
      'an unknown strategy',
      ruleYaml(
        PREDICATE +
          `    outcome: { issue_type: x, root_cause: y, confidence: 0.5, recommended_strategies: [observe, reboot] }\n`,
      ),
      'outcome.recommended_strategies[1]',
      'unknown strategy "reboot"',
    ],
    [
      'a confidence above 1',
      ruleYaml(PREDICATE + OUTCOME.replace('0.5', '1.5')),
      'outcome.confidence',
      'must be a number > 0 and <= 1, got number 1.5',
    ],
    [
      'a missing root cause',
      ruleYaml(PREDICATE + OUTCOME.replace('root_cause: y, ', '')),
      'outcome.root_cause',
      'must be a non-empty string, got missing',
    ],
    [
      'a reserved issue type',
      ruleYaml(PREDICATE + OUTCOME.replace('issue_type: x', 'issue_type: unknown')),
      'outcome.issue_type',
      'reserved',
    ],
    [
      'a bad direction',
      ruleYaml(`    predicate: { anomaly: { metric: "x*", direction: up } }\n` + OUTCOME),
      'predicate.anomaly.direction',
      'must be one of above, below, got "up"',
    ],
    [
      'a bad metric glob',
      ruleYaml(`    predicate: { anomaly: { metric: "cpu load" } }\n` + OUTCOME),
      'predicate.anomaly.metric',
      'is not a metric glob',
    ],
    [
      'a misspelt field',
      ruleYaml(`    predicate: { anomaly: { metric: "x*", min_severty: high } }\n` + OUTCOME),
      'predicate.anomaly.min_severty',
      'unknown field',
    ],
    [
      'an unknown condition',
      ruleYaml(
        `    predicate: { all: [ { anomaly: { metric: "x" } }, { metric_above: { metric: "y" } } ] }\n` + OUTCOME,
      ),
      'predicate.all[1].metric_above',
      'unknown condition',
    ],
    [
      'a bad container state',
      ruleYaml(`    predicate: { context: { containers_in_state: [exited, crashed] } }\n` + OUTCOME),
      'predicate.context.containers_in_state[1]',
      'got "crashed"',
    ],
    [
      'an empty context clause',
      ruleYaml(`    predicate: { context: { min_containers: 2 } }\n` + OUTCOME),
      'predicate.context',
      'needs at least one of',
    ],
    [
      'a gate-only predicate',
      ruleYaml(`    predicate: { no_anomaly: { metric: "cpu*" } }\n` + OUTCOME),
      'predicate',
      'needs at least one anomaly or context condition',
    ],
    [
      'an unknown impact source',
      ruleYaml(PREDICATE + OUTCOME.replace('confidence', 'impacted_components: [pods], confidence')),
      'outcome.impacted_components[0]',
      'got "pods"',
    ],
  ])('reports %s with the file, the rule id and the field', (_, text, field, reason) => {
    const err = errorOf(() => parseRules(text, 'rules.yaml'));
    expect(err.message).toContain(`rules.yaml: rule "r1" (rules[0]), field ${field}: `);
    expect(err.message).toContain(reason);
    expect(err.file).toBe('rules.yaml');
  });

  it('names the rule by index when its id is unusable, and reports every problem at once', () => {
    const err = errorOf(() =>
      parseRules(`rules:\n  - id: "bad id!"\n    predicate: { anomaly: { metric: x } }\n`, 'r.yml'),
    );
    expect(err.problems.map((p) => `${p.rule} ${p.field}`)).toEqual([
      'rules[0] id',
      'rules[0] description',
      'rules[0] outcome',
    ]);
  });

  it('rejects duplicate ids within a file', () => {
    const rule = parseRules(GOOD_YAML, 'a.yaml')[0];
    const err = errorOf(() => parseRules(JSON.stringify({ rules: [rule, rule] }), 'dup.json'));
    expect(err.message).toBe('dup.json: rule "disk-full" (rules[1]), field id: duplicate id "disk-full"');
  });

  it('reports syntax errors, a wrong shape and an unsupported extension with the file name', () => {
    expect(errorOf(() => parseRules('rules: [', 'broken.yaml')).message).toMatch(
      /^broken\.yaml: \(file\), field \(syntax\): /,
    );
    expect(errorOf(() => parseRules('{"rules": ', 'broken.json')).message).toMatch(
      /^broken\.json: \(file\), field \(syntax\): /,
    );
    expect(errorOf(() => parseRules('rule: []', 'x.yaml')).message).toContain('field rule: unknown field');
    expect(errorOf(() => parseRules('rules: {}', 'x.yaml')).message).toContain('field rules: must be a list of rules');
    expect(errorOf(() => parseRules('- 1', 'x.yaml')).message).toContain('must be an object with "rules"');
    expect(errorOf(() => parseRules('rules: []', 'rules.txt')).message).toContain('must end with .yaml, .yml or .json');
  });
});

describe('createRuleRegistry', () => {
  it('holds the defaults and adds registered rules after them', () => {
    const registry = createRuleRegistry(DEFAULT_RULES);
    registry.registerAll(parseRules(GOOD_YAML, 'rules.yaml'), 'rules.yaml');
    expect(registry.rules().map((r) => r.id)).toEqual([...DEFAULT_RULES.map((r) => r.id), 'disk-full']);
  });

  it('rejects a rule whose id is taken, naming the source', () => {
    const registry = createRuleRegistry(DEFAULT_RULES);
    const err = errorOf(() => registry.registerAll([{ ...DEFAULT_RULES[1]! }], 'rules.yaml'));
    expect(err.message).toBe('rules.yaml: rule "cpu-saturation" (rules[0]), field id: duplicate id "cpu-saturation"');
  });

  it('validates rules registered in code like a file, and adds none of a bad batch', () => {
    const registry = createRuleRegistry([]);
    const bad = {
      id: 'x',
      description: 'd',
      predicate: { anomaly: { metric: 'a' } },
      outcome: { issue_type: 'x', root_cause: 'y', confidence: 0, recommended_strategies: ['observe'] },
    } as DiagnosisRule;
    const good = { ...bad, id: 'y', outcome: { ...bad.outcome, confidence: 0.5 } };
    const err = errorOf(() => registry.registerAll([good, bad]));
    expect(err.message).toBe(
      'code registration: rule "x" (rules[1]), field outcome.confidence: must be a number > 0 and <= 1, got number 0',
    );
    expect(registry.rules()).toEqual([]);
    registry.register(good);
    expect(registry.rules().map((r) => r.id)).toEqual(['y']);
  });
});
