import { describe, expect, it } from 'vitest';
import { checkPreconditions, getStrategy } from '../../../../src/domain/strategies';
import type { Strategy } from '../../../../src/domain/types';

function strategy(name: string): Strategy {
  const s = getStrategy(name);
  if (!s) throw new Error(`no strategy ${name}`);
  return s;
}

describe('checkPreconditions', () => {
  it('passes scale_service with services, and fails it without, saying why', () => {
    expect(checkPreconditions(strategy('scale_service'), { services: ['api', 'worker'] })).toEqual([
      { name: 'services non_empty', passed: true, detail: 'services: api, worker' },
    ]);
    const [check] = checkPreconditions(strategy('scale_service'), { containers: ['abc'] });
    expect(check).toMatchObject({ name: 'services non_empty', passed: false });
    expect(check?.detail).toContain('context has no services');
  });

  it('fails apply_backpressure without queues', () => {
    expect(checkPreconditions(strategy('apply_backpressure'), { services: ['api'], queues: [] })[0]?.passed).toBe(
      false,
    );
  });

  it('passes restart_unhealthy when container states are unknown: the action observes them', () => {
    const checks = checkPreconditions(strategy('restart_unhealthy'), { containers: ['abc'] });
    expect(checks.map((c) => [c.name, c.passed])).toEqual([
      ['containers non_empty', true],
      ['containers any_unhealthy', true],
    ]);
  });

  it('fails restart_unhealthy when every observed allowed container is healthy', () => {
    const checks = checkPreconditions(strategy('restart_unhealthy'), {
      containers: ['abc', 'api-2'],
      container_states: [
        { id: 'abc', state: 'running', health: 'healthy' },
        { id: 'def', name: 'api-2', state: 'running' },
        { id: 'zzz', name: 'not-allowed', state: 'exited' },
      ],
    });
    expect(checks[1]).toMatchObject({ passed: false });
    expect(checks[1]?.detail).toContain('healthy');
  });

  it('passes restart_unhealthy naming the failing allowed containers', () => {
    const checks = checkPreconditions(strategy('restart_unhealthy'), {
      containers: ['abc', 'def'],
      container_states: [
        { id: 'abc', state: 'running', health: 'unhealthy' },
        { id: 'def', name: 'api-2', state: 'exited' },
      ],
    });
    expect(checks[1]).toEqual({ name: 'containers any_unhealthy', passed: true, detail: 'failing: abc, api-2' });
  });

  it('abbreviates long lists and has nothing to check for observe', () => {
    const containers = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'];
    expect(checkPreconditions(strategy('rolling_restart'), { containers })[0]?.detail).toBe(
      'containers: c1, c2, c3, c4, c5 and 2 more',
    );
    expect(checkPreconditions(strategy('observe'), {})).toEqual([]);
  });
});
