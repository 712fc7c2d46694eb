// Turns a chosen strategy and what was observed of the targets into a concrete plan with its safety checks.
// Pure: observations, history and the clock come in as data.
import type { HealInput, HealPlan, PlanStep, VerifierSpec } from './heal';
import type { PlanObservations, PlanPolicy, PlanningInput } from './planning-input';
import type { Strategy } from './types';
import { handlerFor } from './actions';
import { hostOfContainer } from './hosts';
import { approvalReasonsFor, consecutiveFailures, safetyChecks } from './safety-envelope';

export type { PlanObservations, PlanPolicy, PlanningInput } from './planning-input';

export function buildHealPlan(p: PlanningInput): HealPlan {
  const { heal, strategy, observed, policy } = p;
  const steps = strategy ? buildSteps(strategy, heal, observed, policy) : [];
  const checks = safetyChecks(p, steps);

  const verifiers = heal.verify.length > 0 ? heal.verify : [...defaultVerifiers(steps), ...(heal.verifyAlso ?? [])];
  if (!heal.dryRun) {
    checks.push({
      name: 'verifiable',
      passed: verifiers.length > 0,
      detail: verifiers.length > 0 ? verifiers.map((v) => v.name).join(', ') : 'no verifier applies to these targets: give `verify`',
    });
  }
  const approvalReasons = approvalReasonsFor(heal, strategy, observed.recentHeals, policy);
  const holdChecks = consecutiveRequired(verifiers, policy.verifyIntervalSeconds);
  return {
    attempt_id: p.attemptId,
    workflow_id: p.workflowId,
    service: heal.service,
    dry_run: heal.dryRun,
    issue_type: heal.diagnosis.issue_type,
    root_cause: heal.diagnosis.root_cause,
    strategy: strategy?.name ?? null,
    risk: strategy?.risk ?? null,
    selection: p.selection,
    steps,
    safety_checks: checks,
    allowed: checks.every((c) => c.passed),
    requires_approval: approvalReasons.length > 0,
    approval_reasons: approvalReasons,
    circuit_breaker_open: consecutiveFailures(observed.recentHeals) >= policy.circuitBreakerFailures,
    approval_timeout_seconds: policy.approvalTimeoutSeconds,
    backpressure_release_seconds: policy.backpressureReleaseSeconds,
    verifiers,
    verification: {
      interval_seconds: policy.verifyIntervalSeconds,
      consecutive_required: holdChecks,
      max_checks: Math.max(policy.verifyAttempts, holdChecks + 2),
    },
  };
}

/** Each action's steps, from its handler, numbered in strategy order and carrying the handler's undo. */
function buildSteps(strategy: Strategy, heal: HealInput, observed: PlanObservations, policy: PlanPolicy): PlanStep[] {
  const steps: PlanStep[] = [];
  const allowed = observed.containers.flatMap((c) => (c.info ? [c.info] : []));
  const seen = [...allowed, ...observed.serviceContainers];
  for (const action of strategy.actions) {
    const handler = handlerFor(action.kind);
    const rollback = handler.inverse ? { action: handler.inverse.kind, description: handler.inverse.description } : { action: null, description: 'none needed' };
    for (const s of handler.planSteps({ heal, action, allowed, observed, policy })) {
      const step: PlanStep = { index: steps.length, ...s, rollback };
      const container = handler.engineContainer(step);
      const host = container === null ? undefined : hostOfContainer(container, seen);
      steps.push(host === undefined ? step : { ...step, target: { ...step.target, host } });
    }
  }
  return steps;
}

/** The default verifiers of the steps' kinds, each once, in step order. */
function defaultVerifiers(steps: PlanStep[]): VerifierSpec[] {
  const specs = new Map<string, VerifierSpec>();
  for (const s of steps) {
    const v = handlerFor(s.action).defaultVerifier;
    if (v && !specs.has(v.name)) specs.set(v.name, v);
  }
  return [...specs.values()];
}

function consecutiveRequired(verifiers: VerifierSpec[], intervalSeconds: number): number {
  let need = 1;
  const visit = (v: VerifierSpec) => {
    if (v.name === 'container_health') need = Math.max(need, Math.ceil((v.params?.hold_seconds ?? 0) / intervalSeconds) + 1);
    else if (v.name === 'all' || v.name === 'any') v.params.verifiers.forEach(visit);
  };
  verifiers.forEach(visit);
  return need;
}
