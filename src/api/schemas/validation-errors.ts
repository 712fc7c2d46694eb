// Turns ajv's errors for a refused request into one field and one reason a client can act on.
export interface ValidationIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Field names come from the client: long ones are cut so an error never echoes a large hostile key. */
const MAX_FIELD_LENGTH = 200;
const VAGUE_KEYWORDS = new Set(['type', 'const', 'enum', 'anyOf', 'oneOf', 'if']);

function segments(issue: ValidationIssue): string[] {
  const path = issue.instancePath.split('/').filter(Boolean);
  const child = (issue.params.missingProperty ?? issue.params.additionalProperty ?? issue.params.propertyName) as string | undefined;
  return child === undefined ? path : [...path, child];
}

/**
 * For a union, ajv lists one failure per branch. The deepest one says most (a wrong field inside the branch the
 * client meant); a wrong type or constant at the top of a branch says least.
 */
function mainIssue(issues: ValidationIssue[]): ValidationIssue {
  const score = (i: ValidationIssue) => segments(i).length * 2 + (VAGUE_KEYWORDS.has(i.keyword) ? 0 : 1);
  return issues.reduce((best, i) => (score(i) > score(best) ? i : best));
}

function reasonOf(issue: ValidationIssue, all: ValidationIssue[]): string {
  if (issue.params.additionalProperty !== undefined) return 'unknown field';
  if (issue.keyword === 'type') {
    // Every branch refused the type: name them all ("must be string or object").
    const types = all.filter((i) => i.keyword === 'type' && i.instancePath === issue.instancePath).map((i) => String(i.params.type));
    return `must be ${[...new Set(types)].join(' or ')}`;
  }
  const allowed = issue.params.allowedValues as unknown[] | undefined;
  return `${issue.message ?? 'invalid'}${allowed ? `: ${allowed.join(', ')}` : ''}`;
}

/** The field as the client wrote it (metrics.cpu, verify.0.params.url; `id` for a path parameter), and why. */
export function describeValidation(issues: ValidationIssue[], context: string | undefined): { field: string; reason: string } {
  const issue = mainIssue(issues);
  const field = segments(issue).join('.') || context || 'body';
  return { field: field.length > MAX_FIELD_LENGTH ? `${field.slice(0, MAX_FIELD_LENGTH)}…` : field, reason: reasonOf(issue, issues) };
}
