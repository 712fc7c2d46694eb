// From the engine's samples to series and troubles, and the watch's sight.
import { describe, expect, it } from 'vitest';
import { cpuShare, nextSight, signalsOf } from '../../../../src/domain/autopilot';
import type { ContainerInfo, ContainerSample } from '../../../../src/domain/observations';

function sample(name: string, over: Partial<ContainerInfo> = {}, extra: Partial<ContainerSample> = {}): ContainerSample {
  return {
    info: { id: `id-${name}`, name, image: 'busybox', state: 'running', health: 'healthy', startedAt: '2026-01-01T00:00:00Z', restartCount: 0, labels: {}, service: 'api', ...over },
    exitCode: 0,
    oomKilled: false,
    cpu: { totalNs: 2e9, systemNs: 100e9 },
    memory: { usageBytes: 256, limitBytes: 1024 },
    ...extra,
  };
}

describe('signals', () => {
  it("CPU is the container's share of the host's CPU time since the previous sample", () => {
    expect(cpuShare(undefined, { totalNs: 5, systemNs: 10 })).toBeNull();
    expect(cpuShare({ totalNs: 1e9, systemNs: 50e9 }, { totalNs: 2e9, systemNs: 100e9 })).toBeCloseTo(0.02);
    // A counter that went back (a restarted container) or a host counter that did not move gives no rate.
    expect(cpuShare({ totalNs: 9e9, systemNs: 50e9 }, { totalNs: 2e9, systemNs: 100e9 })).toBeNull();
    expect(cpuShare({ totalNs: 1e9, systemNs: 100e9 }, { totalNs: 2e9, systemNs: 100e9 })).toBeNull();
  });

  it('one CPU and one memory series per container; the CPU one from the second sample on', () => {
    const first = signalsOf([sample('api-1')], {});
    expect(first.metrics).toEqual({ 'mem_share.api-1': 0.25 });
    expect(first.cpu).toEqual({ 'id-api-1': { totalNs: 2e9, systemNs: 100e9 } });
    const second = signalsOf([sample('api-1', {}, { cpu: { totalNs: 3e9, systemNs: 150e9 } })], first.cpu);
    expect(second.metrics['cpu_share.api-1']).toBeCloseTo(0.02);
  });

  it('unhealthy, exited, dead, restarting and OOM-killed containers are troubles; healthy and starting ones are not', () => {
    const s = signalsOf(
      [
        sample('a', { health: 'unhealthy' }),
        sample('b', { state: 'exited', health: 'none' }, { cpu: null, memory: null, exitCode: 137, oomKilled: true }),
        sample('c', { state: 'restarting' }),
        sample('d', { health: 'starting' }),
        sample('e'),
      ],
      {},
    );
    expect(s.troubles).toEqual(['container:a:unhealthy', 'container:b:exited', 'container:b:oom_killed', 'container:c:restarting']);
    expect(s.containerStates.map((c) => [c.name, c.state, c.health])).toEqual([
      ['a', 'running', 'unhealthy'],
      ['b', 'exited', 'none'],
      ['c', 'restarting', 'healthy'],
      ['d', 'running', 'starting'],
      ['e', 'running', 'healthy'],
    ]);
    expect(Object.keys(s.metrics)).not.toContain('mem_share.b');
  });

  it('sight: a blind spell starts, keeps its start while its reason changes, and ends', () => {
    const seeing = nextSight(null, null, 1);
    expect(seeing).toEqual({ sight: { blind: false, reason: null, since: 1 }, changed: true });
    expect(nextSight(seeing.sight, null, 2)).toEqual({ sight: seeing.sight, changed: false });
    const blind = nextSight(seeing.sight, 'docker: down', 3);
    expect(blind).toEqual({ sight: { blind: true, reason: 'docker: down', since: 3 }, changed: true });
    expect(nextSight(blind.sight, 'docker: no container', 4)).toEqual({ sight: { blind: true, reason: 'docker: no container', since: 3 }, changed: true });
    expect(nextSight(blind.sight, null, 5)).toEqual({ sight: { blind: false, reason: null, since: 5 }, changed: true });
  });
});
