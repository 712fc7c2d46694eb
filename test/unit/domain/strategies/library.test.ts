import { describe, expect, it } from 'vitest';
import { getStrategy, inverseOf, listStrategies, strategyNames } from '../../../../src/domain/strategies';
import type { ActionKind } from '../../../../src/domain/types';

describe('strategy library', () => {
  it('has the strategies the heal workflow implements', () => {
    expect(strategyNames()).toEqual([
      'restart_unhealthy',
      'scale_service',
      'apply_backpressure',
      'rolling_restart',
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
      actions: [{ parameters: { batch_size: 1 } }],
    });
    expect(getStrategy('observe')).toMatchObject({ actions: [{ kind: 'noop' }], preconditions: [], blast_radius: 0 });
    expect(getStrategy('reboot_host')).toBeUndefined();
  });

  it('maps every action kind to its inverse, and inverses of inverses back', () => {
    const kinds: ActionKind[] = [
      'restart_container',
      'scale_up',
      'remove_replicas',
      'apply_backpressure',
      'release_backpressure',
      'pause_container',
      'unpause_container',
      'noop',
    ];
    for (const k of kinds) {
      const inv = inverseOf(k);
      if (inv !== null) expect(inverseOf(inv)).toBe(k);
    }
    expect(inverseOf('scale_up')).toBe('remove_replicas');
    expect(inverseOf('remove_replicas')).toBe('scale_up');
    expect(inverseOf('pause_container')).toBe('unpause_container');
    expect(inverseOf('restart_container')).toBeNull();
  });
});
