// The action handlers (src/domain/actions/): one per kind, each part required, and planning built from them alone:
// no strategy name decides anything, and a strategy's parameters are honoured.
import { describe, expect, it } from 'vitest';
import type { HealInput } from '../../../src/domain/heal';
import { ACTION_HANDLERS, blastRadiusOf, handlerFor } from '../../../src/domain/actions';
import { buildHealPlan, type PlanningInput } from '../../../src/domain/planning';
import type { ActionKind, Strategy } from '../../../src/domain/types';
import { containerHealthVerdict, metricRecheckVerdict, verificationTargets } from '../../../src/domain/verifiers';
import { container, input } from './planning-fixtures';


/** A strategy of one action, with the parameters under test: planning must not care about its name. */
function custom(kind: ActionKind, parameters: Record<string, number | string>, over: Partial<Strategy> = {}): Strategy {
  return {
    name: `custom_${kind}`,
    description: 'test',
    actions: [{ kind, description: 'test', inverse: handlerFor(kind).inverse?.kind ?? null, targets: kind === 'apply_backpressure' ? 'queues' : kind === 'scale_up' ? 'services' : 'containers', parameters }],
    preconditions: [],
    risk: 'low',
    blast_radius: 10,
    cooldown_seconds: 0,
    requires_approval: false,
    ...over,
  };
}

function withStrategy(strategy: Strategy, healOver: Partial<HealInput> = {}, queues: PlanningInput['observed']['queues'] = []): PlanningInput {
  const base = input(null, {}, healOver);
  return { ...base, strategy, selection: { method: 'explicit', reason: 'test', candidates: [strategy.name] }, observed: { ...base.observed, queues } };
}

describe('action handlers', () => {
  it('has one handler per action kind, registered under its own kind', () => {
    expect(Object.keys(ACTION_HANDLERS).sort()).toEqual(['apply_backpressure', 'noop', 'recreate_container', 'restart_container', 'scale_up']);
    for (const [kind, handler] of Object.entries(ACTION_HANDLERS)) expect(handler.kind).toBe(kind);
  });

  it('restart_container: `select` and `wait_healthy_seconds` decide, not the strategy name', () => {
    const failingOnly = buildHealPlan(withStrategy(custom('restart_container', { select: 'failing' })));
    expect(failingOnly.steps.map((s) => [s.target.name, s.params.waitHealthySeconds])).toEqual([['api-1', undefined]]);
    const rolling = buildHealPlan(withStrategy(custom('restart_container', { select: 'all', wait_healthy_seconds: 12 })));
    expect(rolling.steps.map((s) => [s.target.name, s.params.waitHealthySeconds])).toEqual([['api-1', 12], ['api-2', 12]]);
    // The library's two restart strategies say the same through their parameters.
    expect(buildHealPlan(input('rolling_restart')).steps.map((s) => s.params.waitHealthySeconds)).toEqual([30, 30]);
    expect(buildHealPlan(input('restart_unhealthy')).steps.map((s) => s.target.name)).toEqual(['api-1']);
  });

  it("scale_up: the strategy's replicas is the default, the request's overrides it, and the blast radius counts them", () => {
    const byStrategy = buildHealPlan(withStrategy(custom('scale_up', { replicas: 3 })));
    expect(byStrategy.steps).toEqual([expect.objectContaining({ action: 'scale_up', params: { template: 'api-1-id', replicas: 3 }, rollback: { action: 'remove_replicas', description: 'remove exactly the replicas this heal added' } })]);
    expect(byStrategy.safety_checks.find((c) => c.name === 'blast_radius')!.detail).toMatch(/^3 container/);
    expect(buildHealPlan(withStrategy(custom('scale_up', { replicas: 3 }), { replicas: 1 })).steps[0]!.params.replicas).toBe(1);
  });

  it("apply_backpressure: the strategy's max_length is the default, and each queue counts in the blast radius", () => {
    const queues = [
      { name: 'events', info: { name: 'events', messages: 5, consumers: 1, policy: null, maxLength: null } },
      { name: 'events2', info: { name: 'events2', messages: 0, consumers: 1, policy: null, maxLength: null } },
    ];
    const p = buildHealPlan(withStrategy(custom('apply_backpressure', { max_length: 42 }, { blast_radius: 1 }), {}, queues));
    expect(p.steps.map((s) => s.params.maxLength)).toEqual([42, 42]);
    expect(p.safety_checks.find((c) => c.name === 'blast_radius')).toMatchObject({ passed: false, detail: '2 container(s), replica(s) or queue(s) touched, limit 1' });
    expect(buildHealPlan(withStrategy(custom('apply_backpressure', { max_length: 42 }), { maxLength: 7 }, queues)).steps[0]!.params.maxLength).toBe(7);
    // No container to look at: no default verifier, so an applied heal must name one.
    expect(p.verifiers).toEqual([]);
  });

  it('recreate_container: a step per failing container, undone by restore_container, verified by name (the id changes)', () => {
    const p = buildHealPlan(input('recreate_unhealthy'));
    expect(p.steps).toEqual([
      {
        index: 0,
        action: 'recreate_container',
        target: { kind: 'container', id: 'api-1-id', name: 'api-1' },
        params: {},
        expected_effect: 'recreate api-1 (running, health unhealthy) from its own configuration, under a new id',
        rollback: { action: 'restore_container', description: 'start the original again, or create it from its saved configuration' },
      },
    ]);
    expect(p).toMatchObject({ requires_approval: true, verifiers: [{ name: 'container_health', params: { hold_seconds: 4 } }] });
    expect(verificationTargets(p.steps, 'att-1', true)).toEqual([{ kind: 'container', ref: 'api-1', label: 'api-1' }]);
    expect(blastRadiusOf(p.steps)).toBe(1);
  });

  it('noop (observe) plans no step, so the plan is refused for having nothing to act on', () => {
    const p = buildHealPlan(input('observe'));
    expect(p.steps).toEqual([]);
    expect(p.safety_checks.find((c) => c.name === 'has_targets')).toMatchObject({ passed: false });
  });

  it('a kind outside the registry fails loudly instead of planning nothing', () => {
    expect(() => handlerFor('pause_container' as ActionKind)).toThrow(/no handler for action kind "pause_container"/);
  });
});

describe('verifier verdicts', () => {
  it('container_health: healthy only when every observed container runs healthy; a missing one fails', () => {
    expect(containerHealthVerdict([])).toEqual({ healthy: false, evidence: ['container_health: no container to check yet'] });
    expect(containerHealthVerdict([container('a'), container('b', { health: 'none' })]).healthy).toBe(true);
    expect(containerHealthVerdict([container('a'), { id: 'b', missing: true }])).toEqual({ healthy: false, evidence: ['container_health: a running, health healthy, b is gone'] });
  });

  it('metric_recheck: needs enough fresh analyses, and none with the metric beyond k sigma', () => {
    const snap = (z: number) => ({ metrics: { error_rate: 0.1 }, anomalies: z ? [{ metric: 'error_rate', zscore: z }] : [] });
    expect(metricRecheckVerdict([snap(0)], ['error_rate'], 3, 2).healthy).toBe(false);
    expect(metricRecheckVerdict([snap(0), snap(2)], ['error_rate'], 3, 2).healthy).toBe(true);
    expect(metricRecheckVerdict([snap(0), snap(-4)], ['error_rate'], 3, 2)).toEqual({ healthy: false, evidence: ['metric_recheck: error_rate at -4.0σ'] });
  });
});
