// Planning over several Docker hosts: each container step records the host whose worker found the container, and a
// plan that cannot be pinned to one host is refused with the reason.
import { describe, expect, it } from 'vitest';
import { mergeHostObservations, type HostsObserved } from '../../../src/domain/hosts';
import { buildHealPlan } from '../../../src/domain/planning';
import { container, input } from './planning-fixtures';

const api1 = container('api-1', { health: 'unhealthy' });
const api2 = container('api-2');

/** host-a runs api-1, host-b runs api-2. */
const twoHosts: HostsObserved = {
  observed: [
    { host: 'host-a', containers: [{ ref: 'api-1', info: api1 }, { ref: 'api-2', info: null }], serviceContainers: [api1] },
    { host: 'host-b', containers: [{ ref: 'api-1', info: null }, { ref: 'api-2', info: api2 }], serviceContainers: [api2] },
  ],
  unreachable: [],
};

function planWith(hosts: HostsObserved, strategy: string, refs = ['api-1', 'api-2']) {
  const merged = mergeHostObservations(refs, hosts);
  const base = input(strategy, {}, { context: { services: ['api'], containers: refs } });
  return buildHealPlan({ ...base, observed: { ...base.observed, containers: merged.containers, serviceContainers: merged.serviceContainers, hosts: merged.lookup } });
}

const hostCheck = (plan: ReturnType<typeof planWith>) => plan.safety_checks.find((c) => c.name === 'docker_host');

describe('several Docker hosts', () => {
  it('merges what each host found; every container carries its host', () => {
    const merged = mergeHostObservations(['api-1', 'api-2', 'gone'], twoHosts);
    expect(merged.containers.map((c) => [c.ref, c.info?.host ?? null])).toEqual([['api-1', 'host-a'], ['api-2', 'host-b'], ['gone', null]]);
    expect(merged.serviceContainers.map((c) => [c.name, c.host])).toEqual([['api-1', 'host-a'], ['api-2', 'host-b']]);
    expect(merged.lookup).toEqual({ unreachable: [], ambiguous: [] });
  });

  it('a restart step records the host of its container', () => {
    const plan = planWith(twoHosts, 'restart_unhealthy');
    expect(plan.steps.map((s) => [s.target.name, s.target.host])).toEqual([['api-1', 'host-a']]);
    expect(hostCheck(plan)).toEqual({ name: 'docker_host', passed: true, detail: 'acts on host host-a' });
    expect(plan.allowed).toBe(true);
  });

  it('a scale step records the host of its template', () => {
    const plan = planWith(twoHosts, 'scale_service', ['api-2']);
    expect(plan.steps.map((s) => [s.action, s.params.template, s.target.host])).toEqual([['scale_up', api2.id, 'host-b']]);
  });

  it('refuses steps on two hosts: one heal acts on one host', () => {
    const plan = planWith(twoHosts, 'rolling_restart');
    expect(plan.steps.map((s) => s.target.host)).toEqual(['host-a', 'host-b']);
    expect(hostCheck(plan)).toMatchObject({ passed: false, detail: 'the steps act on several hosts (host-a, host-b): one heal acts on one host' });
    expect(plan.allowed).toBe(false);
  });

  it('refuses a name found on two hosts', () => {
    const both: HostsObserved = {
      observed: [
        { host: 'host-a', containers: [{ ref: 'api-1', info: api1 }], serviceContainers: [] },
        { host: 'host-b', containers: [{ ref: 'api-1', info: { ...api1, id: 'other-id' } }], serviceContainers: [] },
      ],
      unreachable: [],
    };
    const plan = planWith(both, 'restart_unhealthy', ['api-1']);
    expect(hostCheck(plan)).toMatchObject({ passed: false, detail: 'api-1 is on several hosts (host-a, host-b): name the container by id' });
    expect(plan.allowed).toBe(false);
  });

  it('names the host that did not answer when a container was not found', () => {
    const plan = planWith({ observed: [twoHosts.observed[0]!], unreachable: ['host-b'] }, 'restart_unhealthy');
    expect(hostCheck(plan)).toMatchObject({ passed: false, detail: 'api-2 not found on the hosts that answered; no answer from host-b' });
  });

  it('a plan made without asking the hosts has no docker_host check and no host on its steps', () => {
    const plan = buildHealPlan(input('restart_unhealthy'));
    expect(hostCheck(plan)).toBeUndefined();
    expect(plan.steps.every((s) => s.target.host === undefined)).toBe(true);
  });
});
