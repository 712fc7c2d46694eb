// The safety envelope of a plan: every check that can refuse a heal, each with a reason a person can act on, and the
// reasons a heal must wait for a person (the circuit breaker among them). Pure, like the planner that calls it.
import type { HealInput, PlanStep, SafetyCheck, VerifierSpec } from './heal';
import type { AppliedHealSummary } from './observations';
import type { PlanObservations, PlanPolicy, PlanningInput } from './planning-input';
import type { Strategy } from './types';
import { verifierProblems } from './verifiers';
import { blastRadiusOf } from './actions';
import { containerRefusal, queueRefusal, serviceRefusal } from './inventory';

const FAILED_OUTCOMES = new Set(['rolled_back', 'rollback_failed', 'failed']);

/** Every check of the envelope, in the order a plan shows them. */
export function safetyChecks(p: PlanningInput, steps: PlanStep[]): SafetyCheck[] {
  const { heal, strategy, observed, policy } = p;
  const checks: SafetyCheck[] = [
    {
      name: 'strategy_selected',
      passed: strategy !== null,
      detail: strategy ? `${strategy.name} (${p.selection.method}): ${p.selection.reason}` : p.selection.reason,
    },
    ...p.preconditionChecks,
    ...allowlistChecks(observed),
    ...scopeChecks(heal, observed, steps),
    ...inventoryChecks(heal, observed, steps, policy),
    ...hostChecks(observed, steps),
  ];
  if (strategy) {
    checks.push(targetsCheck(strategy, steps), blastRadiusCheck(strategy, steps), cooldownCheck(strategy, observed.recentHeals, p.now));
  }
  checks.push(budgetCheck(heal.service, observed, policy, p.now), verifiersCheck(heal.verify, policy.verifyHttpAllowlist));
  return checks;
}

/**
 * The context is the allowlist: a heal of one service touches neither another service nor another service's
 * containers, even when the request lists them.
 */
function scopeChecks(heal: HealInput, observed: PlanObservations, steps: PlanStep[]): SafetyCheck[] {
  const checks: SafetyCheck[] = [];
  if (steps.some((s) => s.target.kind === 'service')) {
    const allowed = heal.context.services ?? [];
    const inScope = allowed.includes(heal.service);
    checks.push({
      name: 'service_allowed',
      passed: inScope,
      detail: inScope ? `${heal.service} is in context.services` : `service ${heal.service} is not in context.services (${allowed.join(', ') || 'none'})`,
    });
  }
  const foreign = observed.containers.filter((c) => c.info?.service != null && c.info.service !== heal.service);
  if (observed.containers.length > 0) {
    checks.push({
      name: 'containers_of_service',
      passed: foreign.length === 0,
      detail: foreign.length
        ? `container(s) of another service: ${foreign.map((c) => `${c.ref} belongs to ${c.info!.service}, not ${heal.service}`).join(', ')}`
        : `every allowed container belongs to ${heal.service} or to no service`,
    });
  }
  return checks;
}

/**
 * The server-side inventory (src/domain/inventory.ts): the request's context can only narrow it. Unlabelled,
 * unmanaged and infrastructure containers, queues outside the service's allowlist or selfheal's own, and a max
 * length below 1 are refused, whatever the request lists.
 */
function inventoryChecks(heal: HealInput, observed: PlanObservations, steps: PlanStep[], policy: PlanPolicy): SafetyCheck[] {
  const checks: SafetyCheck[] = [];
  const protectedWhy = serviceRefusal(heal.service, policy);
  checks.push({ name: 'service_managed', passed: protectedWhy === null, detail: protectedWhy ?? `${heal.service} is not selfheal infrastructure` });
  const ownOrUnlabelled = observed.containers.filter((c) => c.info !== null && (c.info.service == null || c.info.service === heal.service));
  if (ownOrUnlabelled.length > 0) {
    const refused = ownOrUnlabelled.flatMap((c) => {
      const why = containerRefusal(c.info!, heal.service, policy);
      return why ? [why] : [];
    });
    checks.push({
      name: 'containers_managed',
      passed: refused.length === 0,
      detail: refused.length ? refused.join('; ') : `every container is labelled ${heal.service} and managed`,
    });
  }
  if (observed.queues.length > 0) {
    const refused = observed.queues.flatMap((q) => {
      const why = queueRefusal(q.name, heal.service, policy);
      return why ? [why] : [];
    });
    checks.push({ name: 'queues_allowed', passed: refused.length === 0, detail: refused.length ? refused.join('; ') : `every queue is in the allowlist of ${heal.service}` });
  }
  if (steps.some((s) => s.action === 'apply_backpressure')) {
    const ok = heal.maxLength === undefined || (Number.isSafeInteger(heal.maxLength) && heal.maxLength >= 1);
    checks.push({ name: 'max_length', passed: ok, detail: ok ? `max_length ${heal.maxLength ?? 'default'}` : `max_length ${heal.maxLength} would refuse every publish: it must be at least 1` });
  }
  return checks;
}

/**
 * With several Docker hosts, a heal acts on one of them: its steps run on that host's worker and its verification
 * observes that host's engine. A name found on two hosts, or a container missing while a host did not answer, refuses.
 */
function hostChecks(observed: PlanObservations, steps: PlanStep[]): SafetyCheck[] {
  const lookup = observed.hosts;
  if (!lookup) return [];
  const problems = lookup.ambiguous.map((a) => `${a.ref} is on several hosts (${a.hosts.join(', ')}): name the container by id`);
  const missing = observed.containers.filter((c) => c.info === null).map((c) => c.ref);
  if (missing.length > 0 && lookup.unreachable.length > 0) {
    problems.push(`${missing.join(', ')} not found on the hosts that answered; no answer from ${lookup.unreachable.join(', ')}`);
  }
  const hosts = [...new Set(steps.flatMap((s) => (s.target.host ? [s.target.host] : [])))];
  if (hosts.length > 1) problems.push(`the steps act on several hosts (${hosts.join(', ')}): one heal acts on one host`);
  const detail = problems.length > 0 ? problems.join('; ') : hosts.length > 0 ? `acts on host ${hosts[0]}` : 'no step needs a Docker host';
  return [{ name: 'docker_host', passed: problems.length === 0, detail }];
}

function allowlistChecks(observed: PlanObservations): SafetyCheck[] {
  const missing = observed.containers.filter((c) => c.info === null).map((c) => c.ref);
  const missingQueues = observed.queues.filter((q) => q.info === null).map((q) => q.name);
  const checks: SafetyCheck[] = [];
  if (observed.containers.length > 0) {
    checks.push({
      name: 'containers_exist',
      passed: missing.length === 0,
      detail: missing.length ? `unknown container(s): ${missing.join(', ')}` : `${observed.containers.length} allowed container(s) found`,
    });
  }
  if (observed.queues.length > 0) {
    checks.push({
      name: 'queues_exist',
      passed: missingQueues.length === 0,
      detail: missingQueues.length ? `unknown queue(s): ${missingQueues.join(', ')}` : `${observed.queues.length} queue(s) found`,
    });
  }
  return checks;
}

function targetsCheck(strategy: Strategy, steps: PlanStep[]): SafetyCheck {
  return {
    name: 'has_targets',
    passed: steps.length > 0,
    detail: steps.length > 0 ? `${steps.length} step(s)` : `nothing for ${strategy.name} to act on within the allowlist`,
  };
}

function blastRadiusCheck(strategy: Strategy, steps: PlanStep[]): SafetyCheck {
  const touched = blastRadiusOf(steps);
  return {
    name: 'blast_radius',
    passed: touched <= strategy.blast_radius,
    detail: `${touched} container(s), replica(s) or queue(s) touched, limit ${strategy.blast_radius}`,
  };
}

function cooldownCheck(strategy: Strategy, recent: AppliedHealSummary[], now: number): SafetyCheck {
  const last = recent.find((h) => h.strategy === strategy.name);
  const readyAt = last ? last.at + strategy.cooldown_seconds * 1000 : 0;
  return {
    name: 'cooldown',
    passed: readyAt <= now,
    detail:
      readyAt <= now
        ? `no ${strategy.name} within its ${strategy.cooldown_seconds}s cooldown`
        : `${strategy.name} last applied ${Math.round((now - (last?.at ?? 0)) / 1000)}s ago; cooldown ${strategy.cooldown_seconds}s, ${Math.ceil((readyAt - now) / 1000)}s left`,
  };
}

/**
 * An early refusal only: the budget is enforced by the atomic reservation the heal takes before its first action
 * (activities/budget.ts), which concurrent heals cannot both pass.
 */
function budgetCheck(service: string, observed: PlanObservations, policy: PlanPolicy, now: number): SafetyCheck {
  const since = now - policy.budgetWindowSeconds * 1000;
  const mine = observed.recentHeals.filter((h) => h.at >= since).length;
  return {
    name: 'budget',
    passed: observed.appliedInWindow < policy.budgetMax && mine < policy.budgetPerServiceMax,
    detail: `${mine} applied heal(s) of ${service}, per-service budget ${policy.budgetPerServiceMax}; ${observed.appliedInWindow} applied heal(s) in the last ${policy.budgetWindowSeconds}s, budget ${policy.budgetMax}`,
  };
}

function verifiersCheck(verify: VerifierSpec[], allowlist: string[]): SafetyCheck {
  const problems = verify.flatMap((v) => verifierProblems(v, allowlist));
  return { name: 'verifiers_allowed', passed: problems.length === 0, detail: problems.length ? problems.join('; ') : 'ok' };
}

/** Consecutive failed applied heals since the last verified one. */
export function consecutiveFailures(recent: AppliedHealSummary[]): number {
  let n = 0;
  for (const h of recent) {
    if (h.outcome === 'verified') break;
    if (FAILED_OUTCOMES.has(h.outcome)) n++;
  }
  return n;
}

export function approvalReasonsFor(heal: HealInput, strategy: Strategy | null, recent: AppliedHealSummary[], policy: PlanPolicy): string[] {
  const reasons: string[] = [];
  if (heal.requireApproval) reasons.push('the request asked for approval');
  if (strategy?.requires_approval) reasons.push(`strategy ${strategy.name} (risk ${strategy.risk}) requires approval`);
  const failures = consecutiveFailures(recent);
  if (failures >= policy.circuitBreakerFailures) {
    reasons.push(`circuit breaker open: ${failures} failed heal(s) of ${heal.service} in a row; a person must approve`);
  }
  return reasons;
}
