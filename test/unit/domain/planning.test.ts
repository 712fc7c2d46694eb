import { describe, expect, it } from 'vitest';
import type { AppliedHealSummary } from '../../../src/adapters/ports';
import { buildHealPlan } from '../../../src/domain/planning';
import { consecutiveFailures } from '../../../src/domain/safety-envelope';
import { container, input, NOW } from './planning-fixtures';

const applied = (strategy: string, minutesAgo: number, outcome: string): AppliedHealSummary => ({
  attemptId: `a-${minutesAgo}`,
  service: 'api',
  strategy,
  at: NOW - minutesAgo * 60_000,
  outcome,
});

describe('buildHealPlan', () => {
  it('restart_unhealthy restarts only the unhealthy allowed containers, remembering when they started', () => {
    const plan = buildHealPlan(input('restart_unhealthy'));
    expect(plan.allowed).toBe(true);
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]).toMatchObject({
      action: 'restart_container',
      target: { kind: 'container', id: 'api-1-id', name: 'api-1' },
      params: { startedAtBefore: '2026-11-29T03:00:00.000000001Z' },
      rollback: { action: null },
    });
    expect(plan.verifiers).toEqual([{ name: 'container_health', params: { hold_seconds: 4 } }]);
    expect(plan.verification.consecutive_required).toBe(3);
  });

  it('rolling_restart restarts every allowed container, waiting for health between them', () => {
    const plan = buildHealPlan(input('rolling_restart'));
    expect(plan.steps.map((s) => s.target.name)).toEqual(['api-1', 'api-2']);
    expect(plan.steps.every((s) => s.params.waitHealthySeconds! > 0)).toBe(true);
  });

  it('scale_service clones a running container of the service and plans its removal as the rollback', () => {
    const plan = buildHealPlan(input('scale_service', {}, { replicas: 2 }));
    expect(plan.steps).toEqual([
      expect.objectContaining({ action: 'scale_up', target: { kind: 'service', id: 'api' }, params: { template: 'api-1-id', replicas: 2 }, rollback: expect.objectContaining({ action: 'remove_replicas' }) }),
    ]);
    expect(plan.safety_checks.find((c) => c.name === 'blast_radius')).toMatchObject({ passed: true });
  });

  it('refuses a scale beyond the blast radius', () => {
    const plan = buildHealPlan(input('scale_service', {}, { replicas: 5 }));
    expect(plan.allowed).toBe(false);
    expect(plan.safety_checks.find((c) => c.name === 'blast_radius')).toMatchObject({ passed: false, detail: '5 container(s), replica(s) or queue(s) touched, limit 2' });
  });

  it('apply_backpressure plans one policy per existing queue and refuses unknown queues', () => {
    const queues = [
      { name: 'events', info: { name: 'events', messages: 12, consumers: 1, policy: null, maxLength: null } },
      { name: 'ghost', info: null },
    ];
    const p = input('apply_backpressure', {}, { context: { services: ['api'], queues: ['events', 'ghost'] }, maxLength: 50 });
    const plan = buildHealPlan({ ...p, observed: { ...p.observed, containers: [], queues } });
    expect(plan.steps).toEqual([expect.objectContaining({ action: 'apply_backpressure', target: { kind: 'queue', id: 'events' }, params: { maxLength: 50 } })]);
    expect(plan.safety_checks.find((c) => c.name === 'queues_exist')).toMatchObject({ passed: false, detail: 'unknown queue(s): ghost' });
    expect(plan.allowed).toBe(false);
  });

  it('refuses unknown containers in the allowlist, naming them', () => {
    const p = input('restart_unhealthy');
    const plan = buildHealPlan({ ...p, observed: { ...p.observed, containers: [...p.observed.containers, { ref: 'abc123', info: null }] } });
    expect(plan.allowed).toBe(false);
    expect(plan.safety_checks.find((c) => c.name === 'containers_exist')!.detail).toBe('unknown container(s): abc123');
  });

  it('refuses containers of another service, naming whose they are', () => {
    const p = input('rolling_restart');
    const web = { ref: 'web-1', info: container('web-1', { service: 'web', labels: { 'selfheal.service': 'web' } }) };
    const plan = buildHealPlan({ ...p, observed: { ...p.observed, containers: [...p.observed.containers, web] } });
    expect(plan.allowed).toBe(false);
    expect(plan.safety_checks.find((c) => c.name === 'containers_of_service')!.detail).toBe('container(s) of another service: web-1 belongs to web, not api');
  });

  it('refuses to scale a service that is not in context.services', () => {
    const plan = buildHealPlan(input('scale_service', {}, { context: { services: ['web'], containers: ['api-1', 'api-2'] } }));
    expect(plan.allowed).toBe(false);
    expect(plan.safety_checks.find((c) => c.name === 'service_allowed')).toMatchObject({ passed: false, detail: 'service api is not in context.services (web)' });
  });

  it('refuses during the cooldown of the same strategy, saying how long is left', () => {
    const p = input('restart_unhealthy');
    const plan = buildHealPlan({ ...p, observed: { ...p.observed, recentHeals: [applied('restart_unhealthy', 2, 'verified')] } });
    const cooldown = plan.safety_checks.find((c) => c.name === 'cooldown')!;
    expect(cooldown.passed).toBe(false);
    expect(cooldown.detail).toContain('180s left');
  });

  it('refuses once the budget of applied heals is spent', () => {
    const p = input('restart_unhealthy');
    const plan = buildHealPlan({ ...p, observed: { ...p.observed, appliedInWindow: 5 } });
    expect(plan.safety_checks.find((c) => c.name === 'budget')).toMatchObject({ passed: false });
  });

  it('asks for a person after K failed heals in a row (the circuit breaker)', () => {
    const p = input('restart_unhealthy');
    const recent = [applied('rolling_restart', 30, 'rolled_back'), applied('scale_service', 40, 'failed'), applied('restart_unhealthy', 50, 'rolled_back')];
    const plan = buildHealPlan({ ...p, observed: { ...p.observed, recentHeals: recent } });
    expect(plan.requires_approval).toBe(true);
    expect(plan.approval_reasons.join()).toContain('circuit breaker open: 3 failed heal(s)');
  });

  it('has nothing to do when no allowed container is unwell', () => {
    const p = input('restart_unhealthy');
    const plan = buildHealPlan({ ...p, observed: { ...p.observed, containers: [{ ref: 'api-2', info: container('api-2') }] } });
    expect(plan.steps).toEqual([]);
    expect(plan.safety_checks.find((c) => c.name === 'has_targets')).toMatchObject({ passed: false });
  });

  it('with no strategy, the plan is refused with the selection reason', () => {
    const plan = buildHealPlan(input(null));
    expect(plan.allowed).toBe(false);
    expect(plan.strategy).toBeNull();
    expect(plan.safety_checks[0]).toEqual({ name: 'strategy_selected', passed: false, detail: 'nothing recommended' });
  });

  it('adds verifyAlso (the autopilot metric_recheck) to the default verifiers, and never to explicit ones', () => {
    const recheck = { name: 'metric_recheck' as const, params: { metrics: ['mem_share.api-1'], intervals: 3 } };
    expect(buildHealPlan(input('restart_unhealthy', {}, { verifyAlso: [recheck] })).verifiers).toEqual([{ name: 'container_health', params: { hold_seconds: 4 } }, recheck]);
    const probe = { name: 'http_probe' as const, params: { url: 'http://127.0.0.1:3000/health' } };
    expect(buildHealPlan(input('restart_unhealthy', {}, { verify: [probe], verifyAlso: [recheck] })).verifiers).toEqual([probe]);
  });

  it('refuses an http_probe outside the allowlist', () => {
    const plan = buildHealPlan(input('restart_unhealthy', {}, { verify: [{ name: 'http_probe', params: { url: 'http://169.254.169.254/latest' } }] }));
    expect(plan.safety_checks.find((c) => c.name === 'verifiers_allowed')).toMatchObject({ passed: false });
  });
});

describe('consecutiveFailures', () => {
  it('counts failed heals back to the last verified one', () => {
    expect(consecutiveFailures([applied('x', 1, 'rolled_back'), applied('x', 2, 'failed'), applied('x', 3, 'verified'), applied('x', 4, 'failed')])).toBe(2);
    expect(consecutiveFailures([])).toBe(0);
  });
});
