// Turns a validated heal request into the workflow's input, with the checks a schema cannot make (issue types the
// loaded rules know, verifier URLs against the allowlist) as 400s naming the field.
import { ValidationError } from '../errors';
import type { HealInput, VerifierSpec } from '../domain/heal';
import { getStrategy, strategyNames } from '../domain/strategies';
import { VERIFIER_NAMES, verifierProblems } from '../domain/verifiers';
import type { ContextBody, HealBody } from './schemas/self-healing';

export interface HealInputPolicy {
  knownIssueTypes: ReadonlySet<string>;
  /** VERIFY_HTTP_ALLOWLIST. */
  httpAllowlist: string[];
}

export function toHealInput(body: HealBody, actor: { sub: string; requestId: string }, policy: HealInputPolicy): HealInput {
  const diagnosis = body.issue.diagnosis;
  if (!policy.knownIssueTypes.has(diagnosis.issue_type)) {
    throw new ValidationError('issue.diagnosis.issue_type', `unknown issue type "${diagnosis.issue_type}"; known: ${[...policy.knownIssueTypes].join(', ')}`);
  }
  diagnosis.recommended_strategies.forEach((name, i) => {
    if (!getStrategy(name)) throw new ValidationError(`issue.diagnosis.recommended_strategies.${i}`, unknownStrategy(name));
  });
  if (body.strategy && !getStrategy(body.strategy)) throw new ValidationError('strategy', unknownStrategy(body.strategy));
  const context = normaliseContext(body.context);
  const verify = [...(body.verify ?? []), ...contextVerifiers(body.context?.verify)] as VerifierSpec[];
  verify.forEach((v, i) => {
    const problems = verifierProblems(v, policy.httpAllowlist);
    if (problems.length) throw new ValidationError(`verify.${i}`, problems.join('; '));
  });
  const service = body.service ?? context.services?.[0] ?? diagnosis.impacted_components[0];
  if (!service) throw new ValidationError('service', 'name the service to heal (service, context.services or impacted_components)');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(service)) throw new ValidationError('service', `"${service}" is not a valid service name`);
  return {
    service,
    diagnosis,
    context,
    dryRun: body.dry_run ?? true,
    ...(body.strategy ? { strategy: body.strategy } : {}),
    ...(body.replicas ? { replicas: body.replicas } : {}),
    ...(body.max_length !== undefined ? { maxLength: body.max_length } : {}),
    verify,
    requireApproval: body.require_approval ?? false,
    skipIfHealthy: body.skip_if_healthy ?? false,
    actor: actor.sub,
    requestId: actor.requestId,
  };
}

export function normaliseContext(context: ContextBody | undefined): HealInput['context'] {
  if (!context) return {};
  const { verify: _verify, ...rest } = context;
  return rest as HealInput['context'];
}

/** The spec's `context.verify`: a verifier name, or verifiers with parameters. */
function contextVerifiers(verify: ContextBody['verify']): VerifierSpec[] {
  if (verify === undefined) return [];
  if (typeof verify === 'string') {
    if (verify !== 'container_health') {
      throw new ValidationError('context.verify', `unknown verifier "${verify}"; name one of ${VERIFIER_NAMES.join(', ')} (http_probe, metric_recheck, all and any need params)`);
    }
    return [{ name: 'container_health' }];
  }
  return (Array.isArray(verify) ? verify : [verify]) as VerifierSpec[];
}

function unknownStrategy(name: string): string {
  return `unknown strategy "${name}"; known: ${strategyNames().join(', ')}`;
}
