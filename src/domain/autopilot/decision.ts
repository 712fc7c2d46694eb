// What the autopilot does about an incident that needs a decision: the diagnosis's first recommended strategy that
// acts and that the policy does not switch off, at the autonomy level the policy gives it. Pure.
import type { HealInput } from '../heal';
import { getStrategy } from '../strategies';
import type { Diagnosis, HealContext } from '../types';
import type { Incident } from './incident';
import { levelFor, type AppliedPolicy, type AutonomyLevel, type AutopilotPolicy } from './policy';

/** start_heal: auto and approve (the heal itself waits for the approval); record: shadow, suggest and off. */
export type DecisionAction = 'start_heal' | 'record';

export interface Decision {
  /** `<incident id>:<round>`: one decision per round of an incident, so a retried record never duplicates. */
  id: string;
  incidentId: string;
  service: string;
  at: number;
  strategy: string | null;
  level: AutonomyLevel;
  /** The policy entry that gave the level; null when no strategy was there to ask about. */
  policy: AppliedPolicy | null;
  action: DecisionAction;
  requireApproval: boolean;
  /** What was (or, in shadow, would have been) done, and why. */
  reason: string;
  issueType: string;
}

/** The actor the audit shows for heals the autopilot starts. */
export const AUTOPILOT_ACTOR = 'autopilot';

/** A strategy that plans no action (observe) is never a remediation to decide on. */
function acts(strategy: string): boolean {
  return getStrategy(strategy)?.actions.some((a) => a.kind !== 'noop') ?? false;
}

export function decide(incident: Incident, diagnosis: Diagnosis, policy: AutopilotPolicy, at: number): Decision {
  const base = { id: `${incident.id}:${incident.attempts + 1}`, incidentId: incident.id, service: incident.service, at, issueType: diagnosis.issue_type };
  const candidates = diagnosis.recommended_strategies.filter(acts);
  const chosen = candidates.map((s) => ({ strategy: s, policy: levelFor(policy, incident.service, s) })).find((c) => c.policy.level !== 'off');
  if (!chosen) {
    const first = candidates[0] ?? null;
    return {
      ...base,
      strategy: first,
      level: 'off',
      policy: first === null ? null : levelFor(policy, incident.service, first),
      action: 'record',
      requireApproval: false,
      reason: first === null ? `no remediation recommended for ${diagnosis.issue_type}` : `every recommended strategy is off for ${incident.service}: ${candidates.join(', ')}`,
    };
  }
  const { strategy, policy: applied } = chosen;
  const level = applied.level;
  const reasons: Record<Exclude<AutonomyLevel, 'off'>, string> = {
    shadow: `shadow: would have started ${strategy}; nothing done`,
    suggest: `suggested ${strategy} to a person; nothing done until someone starts it`,
    approve: `started ${strategy}, waiting for a person's approval`,
    auto: `started ${strategy}`,
  };
  return {
    ...base,
    strategy,
    level,
    policy: applied,
    action: level === 'approve' || level === 'auto' ? 'start_heal' : 'record',
    requireApproval: level === 'approve',
    reason: reasons[level as Exclude<AutonomyLevel, 'off'>],
  };
}

/**
 * The heal the decision starts: the decided strategy on the service's managed containers, verified by the strategy's
 * default verifier, skipped when the target is healthy again before it acts. The safety envelope applies as to any heal.
 */
export function healInputFor(decision: Decision, diagnosis: Diagnosis, context: HealContext): HealInput {
  return {
    service: decision.service,
    diagnosis,
    context,
    dryRun: false,
    ...(decision.strategy ? { strategy: decision.strategy } : {}),
    verify: [],
    requireApproval: decision.requireApproval,
    skipIfHealthy: true,
    actor: AUTOPILOT_ACTOR,
    requestId: decision.id,
  };
}
