// Turns a chosen strategy and what was observed of the targets into a concrete plan with its safety checks.
// Pure: observations, history and the clock come in as data.
import type { HealInput, HealPlan, PlanStep, VerifierSpec } from './heal';
import type { ContainerInfo } from './observations';
import type { PlanObservations, PlanPolicy, PlanningInput } from './planning-input';
import type { Strategy } from './types';
import { isFailingContainer } from './strategies';
import { approvalReasonsFor, consecutiveFailures, safetyChecks } from './safety-envelope';
import { containerRefusal } from './inventory';

export type { PlanObservations, PlanPolicy, PlanningInput } from './planning-input';

const DEFAULT_MAX_LENGTH = 1000;
const ROLLING_WAIT_HEALTHY_SECONDS = 30;

export function buildHealPlan(p: PlanningInput): HealPlan {
  const { heal, strategy, observed, policy } = p;
  const steps = strategy ? buildSteps(strategy, heal, observed, policy) : [];
  const checks = safetyChecks(p, steps);

  const verifiers = heal.verify.length > 0 ? heal.verify : defaultVerifiers(steps);
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

function buildSteps(strategy: Strategy, heal: HealInput, observed: PlanObservations, policy: PlanPolicy): PlanStep[] {
  const steps: PlanStep[] = [];
  const allowed = observed.containers.flatMap((c) => (c.info ? [c.info] : []));
  const add = (s: Omit<PlanStep, 'index'>) => steps.push({ index: steps.length, ...s });
  for (const action of strategy.actions) {
    const rollback = { action: action.inverse, description: action.inverse ? inverseDescription(action.inverse) : 'none needed' };
    switch (action.kind) {
      case 'restart_container': {
        const rolling = strategy.name !== 'restart_unhealthy';
        const targets = rolling ? allowed : allowed.filter(isUnwell);
        for (const c of targets) {
          add({
            action: 'restart_container',
            target: { kind: 'container', id: c.id, name: c.name },
            params: { startedAtBefore: c.startedAt, ...(rolling ? { waitHealthySeconds: ROLLING_WAIT_HEALTHY_SECONDS } : {}) },
            expected_effect: `restart ${c.name} (${c.state}, health ${c.health})${rolling ? ', then wait until healthy' : ''}`,
            rollback,
          });
        }
        break;
      }
      case 'scale_up': {
        const template = pickTemplate(heal.service, allowed, observed.serviceContainers, policy);
        if (!template) break;
        const replicas = heal.replicas ?? 1;
        add({
          action: 'scale_up',
          target: { kind: 'service', id: heal.service },
          params: { template: template.id, replicas },
          expected_effect: `add ${replicas} replica(s) of ${heal.service} cloned from ${template.name}`,
          rollback,
        });
        break;
      }
      case 'apply_backpressure':
        for (const q of observed.queues) {
          if (!q.info) continue;
          const maxLength = heal.maxLength ?? DEFAULT_MAX_LENGTH;
          add({
            action: 'apply_backpressure',
            target: { kind: 'queue', id: q.name },
            params: { maxLength },
            expected_effect: `limit queue ${q.name} to ${maxLength} messages (reject-publish); it holds ${q.info.messages} now`,
            rollback,
          });
        }
        break;
      case 'pause_container':
        for (const c of allowed.filter((c) => c.state === 'running')) {
          add({ action: 'pause_container', target: { kind: 'container', id: c.id, name: c.name }, params: {}, expected_effect: `pause ${c.name}`, rollback });
        }
        break;
      default:
        break;
    }
  }
  return steps;
}

function isUnwell(c: ContainerInfo): boolean {
  return isFailingContainer({ id: c.id, state: c.state, health: c.health });
}

/** A running, managed container of the service itself (never a replica of an earlier heal, never another service's). */
function pickTemplate(service: string, allowed: ContainerInfo[], labelled: ContainerInfo[], policy: PlanPolicy): ContainerInfo | undefined {
  const ofService = (c: ContainerInfo) => c.service === service && c.labels['selfheal.heal'] === undefined && containerRefusal(c, service, policy) === null;
  return allowed.find((c) => ofService(c) && c.state === 'running') ?? labelled.find((c) => ofService(c) && c.state === 'running');
}

function inverseDescription(kind: string): string {
  switch (kind) {
    case 'remove_replicas':
      return 'remove exactly the replicas this heal added';
    case 'release_backpressure':
      return 'remove the max-length policy this heal put on the queue';
    case 'unpause_container':
      return 'unpause the container';
    default:
      return kind;
  }
}

function defaultVerifiers(steps: PlanStep[]): VerifierSpec[] {
  return steps.some((s) => s.target.kind === 'container' || s.action === 'scale_up') ? [{ name: 'container_health', params: { hold_seconds: 4 } }] : [];
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
