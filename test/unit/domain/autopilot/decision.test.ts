// What the autopilot decides at each autonomy level, and the heal it starts.
import { describe, expect, it } from 'vitest';
import { AUTOPILOT_ACTOR, decide, EMPTY_MEMORY, healInputFor, observe, parseAutopilotPolicy, type AutonomyLevel } from '../../../../src/domain/autopilot';
import { strategyNames } from '../../../../src/domain/strategies';
import type { Diagnosis } from '../../../../src/domain/types';

const incident = observe(EMPTY_MEMORY, { at: 5000, troubles: ['container:api-1:unhealthy'], blind: false }, { openAfterSamples: 1, resolveAfterCleanSamples: 3, maxAttempts: 2 }, 'inc-1', 'api').memory.incident!;
const crashLoop: Diagnosis = { issue_type: 'crash_loop', root_cause: 'containers unhealthy', confidence: 0.85, impacted_components: ['api'], recommended_strategies: ['restart_unhealthy', 'observe'] };

function policyWith(level: AutonomyLevel, extra = '') {
  return parseAutopilotPolicy(`services:\n  api:\n    strategies:\n      restart_unhealthy: ${level}\n${extra}`, { path: 'p.yaml', version: 'v7' }, strategyNames());
}

describe('decision per autonomy level', () => {
  it.each([
    ['shadow', 'record', false, 'shadow: would have started restart_unhealthy; nothing done'],
    ['suggest', 'record', false, 'suggested restart_unhealthy to a person; nothing done until someone starts it'],
    ['approve', 'start_heal', true, "started restart_unhealthy, waiting for a person's approval"],
    ['auto', 'start_heal', false, 'started restart_unhealthy'],
  ] as const)('%s: %s', (level, action, requireApproval, reason) => {
    const d = decide(incident, crashLoop, policyWith(level), 6000);
    expect(d).toEqual({
      id: 'inc-1:1',
      incidentId: 'inc-1',
      service: 'api',
      at: 6000,
      issueType: 'crash_loop',
      strategy: 'restart_unhealthy',
      level,
      policy: { level, rule: 'services.api.strategies.restart_unhealthy', source: 'p.yaml', version: 'v7' },
      action,
      requireApproval,
      reason,
    });
  });

  it('off skips the strategy for the next one the diagnosis recommends', () => {
    const d = decide(incident, { ...crashLoop, recommended_strategies: ['restart_unhealthy', 'rolling_restart'] }, policyWith('off', '      rolling_restart: auto'), 6000);
    expect(d).toMatchObject({ strategy: 'rolling_restart', level: 'auto', action: 'start_heal' });
  });

  it('with every strategy off the decision not to act is still recorded, naming the policy', () => {
    const d = decide(incident, crashLoop, policyWith('off'), 6000);
    expect(d).toMatchObject({ strategy: 'restart_unhealthy', level: 'off', action: 'record', policy: { rule: 'services.api.strategies.restart_unhealthy' } });
    expect(d.reason).toContain('every recommended strategy is off');
  });

  it('observe is never a remediation; with nothing else recommended there is nothing to do', () => {
    const d = decide(incident, { ...crashLoop, recommended_strategies: ['observe'] }, policyWith('auto'), 6000);
    expect(d).toMatchObject({ strategy: null, level: 'off', action: 'record', policy: null, reason: 'no remediation recommended for crash_loop' });
  });

  it('a service the policy does not name gets the default shadow', () => {
    const d = decide({ ...incident, service: 'billing' }, crashLoop, policyWith('auto'), 6000);
    expect(d).toMatchObject({ level: 'shadow', action: 'record', policy: { rule: 'default' } });
  });

  it('the decision id follows the round: a second attempt is a second decision', () => {
    expect(decide({ ...incident, attempts: 1 }, crashLoop, policyWith('auto'), 6000).id).toBe('inc-1:2');
  });

  it('the heal it starts is applied, explicit, skipped when healthy again, and by the autopilot', () => {
    const d = decide(incident, crashLoop, policyWith('approve'), 6000);
    const context = { services: ['api'], containers: ['api-1'] };
    expect(healInputFor(d, crashLoop, context)).toEqual({
      service: 'api',
      diagnosis: crashLoop,
      context,
      dryRun: false,
      strategy: 'restart_unhealthy',
      verify: [],
      requireApproval: true,
      skipIfHealthy: true,
      actor: AUTOPILOT_ACTOR,
      requestId: 'inc-1:1',
    });
  });
});
