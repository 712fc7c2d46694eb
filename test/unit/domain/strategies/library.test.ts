import { describe, expect, it } from 'vitest';
import { getStrategy, inverseOf, listStrategies, strategyNames } from '../../../../src/domain/strategies';
import type { ActionKind } from '../../../../src/domain/types';

describe('strategy library', () => {
  it('has the strategies the heal workflow implements', () => {
    expect(strategyNames()).toEqual([
      'restart_unhealthy',
      'scale_service',
      'apply_backpressure',
      'scale_and_throttle',
      'rolling_restart',
      'recreate_unhealthy',
      'observe',
    ]);
  });

  it.each(listStrategies().map((s) => [s.name, s] as const))(
    '%s has every field, and each action the rollback mapping',
    (_, s) => {
      expect(s.description).not.toBe('');
      expect(s.actions.length).toBeGreaterThan(0);
      expect(['low', 'medium', 'high']).toContain(s.risk);
      expect(Number.isInteger(s.blast_radius) && s.blast_radius >= 0).toBe(true);
      expect(s.cooldown_seconds).toBeGreaterThanOrEqual(0);
      expect(typeof s.requires_approval).toBe('boolean');
      for (const a of s.actions) expect(a.inverse).toBe(inverseOf(a.kind));
    },
  );

  it('gives the expected risks and inverses', () => {
    expect(getStrategy('restart_unhealthy')).toMatchObject({
      risk: 'low',
      actions: [{ kind: 'restart_container', inverse: null, targets: 'containers' }],
    });
    expect(getStrategy('scale_service')).toMatchObject({
      risk: 'medium',
      actions: [{ kind: 'scale_up', inverse: 'remove_replicas', parameters: { replicas: 1 } }],
    });
    expect(getStrategy('apply_backpressure')).toMatchObject({
      risk: 'low',
      actions: [{ kind: 'apply_backpressure', inverse: 'release_backpressure', targets: 'queues' }],
    });
    expect(getStrategy('rolling_restart')).toMatchObject({
      risk: 'medium',
      actions: [{ kind: 'restart_container', parameters: { select: 'all', wait_healthy_seconds: 30 } }],
    });
    expect(getStrategy('restart_unhealthy')).toMatchObject({ actions: [{ kind: 'restart_container', parameters: { select: 'failing' } }] });
    expect(getStrategy('recreate_unhealthy')).toMatchObject({
      risk: 'medium',
      requires_approval: true,
      actions: [{ kind: 'recreate_container', inverse: 'restore_container', targets: 'containers' }],
    });
    expect(getStrategy('observe')).toMatchObject({ actions: [{ kind: 'noop' }], preconditions: [], blast_radius: 0 });
    expect(getStrategy('reboot_host')).toBeUndefined();
  });

  it("takes each action kind's inverse from its handler: the library's data says the same", () => {
    const kinds: ActionKind[] = ['restart_container', 'scale_up', 'apply_backpressure', 'recreate_container', 'noop'];
    expect(kinds.map(inverseOf)).toEqual([null, 'remove_replicas', 'release_backpressure', 'restore_container', null]);
    for (const s of listStrategies()) for (const a of s.actions) expect(a.inverse, `${s.name} ${a.kind}`).toBe(inverseOf(a.kind));
  });
});
