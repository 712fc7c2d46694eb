// The shadow comparison's maths: per (service, strategy), how many shadow decisions, how many incidents resolved by
// themselves, and how long those lasted (nearest-rank median and p95), apart from the ones healed later or still open.
import { describe, expect, it } from 'vitest';
import { compareShadows, percentile, type ShadowOutcome } from '../../../../src/domain/autopilot';

const T = 1_780_000_000_000;
const row = (over: Partial<ShadowOutcome>): ShadowOutcome => ({ service: 'api', strategy: 'restart_unhealthy', decidedAt: T, openedAt: T, closedAt: null, attempts: 0, escalated: false, ...over });

describe('percentile (nearest rank)', () => {
  it('is null without values, the value itself for one, and a value of the set otherwise', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([4, 1, 3, 2], 50)).toBe(2);
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
  });
});

describe('compareShadows', () => {
  it('counts self-resolved incidents and the share, with their durations; healed, escalated and open ones apart', () => {
    const rows = [
      row({ closedAt: T + 10_000 }),
      row({ closedAt: T + 30_000 }),
      row({ closedAt: T + 20_000 }),
      row({ closedAt: T + 90_000, attempts: 1 }), // a person (or a later decision) healed it
      row({ closedAt: T + 60_000, escalated: true }), // escalated, then resolved: not by itself
      row({}), // still open
    ];
    expect(compareShadows(rows)).toEqual([
      {
        service: 'api',
        strategy: 'restart_unhealthy',
        decisions: 6,
        selfResolved: 3,
        selfResolvedShare: 0.5,
        healedLater: 1,
        stillActive: 1,
        medianSelfResolvedMs: 20_000,
        p95SelfResolvedMs: 30_000,
        medianResolvedMs: 30_000,
        p95ResolvedMs: 90_000,
      },
    ]);
  });

  it('groups by service and strategy, sorted; a group with nothing resolved has null durations', () => {
    const out = compareShadows([
      row({ service: 'web', strategy: 'scale_service' }),
      row({ service: 'api', strategy: 'scale_service', closedAt: T + 5000 }),
      row({ service: 'api', strategy: null }),
      row({ service: 'api', strategy: 'restart_unhealthy', openedAt: T - 5000, closedAt: T + 5000 }),
    ]);
    expect(out.map((c) => [c.service, c.strategy, c.decisions, c.selfResolved])).toEqual([
      ['api', null, 1, 0],
      ['api', 'restart_unhealthy', 1, 1],
      ['api', 'scale_service', 1, 1],
      ['web', 'scale_service', 1, 0],
    ]);
    expect(out[1]?.medianSelfResolvedMs).toBe(10_000);
    expect(out[3]).toMatchObject({ selfResolvedShare: 0, stillActive: 1, medianSelfResolvedMs: null, p95SelfResolvedMs: null, medianResolvedMs: null });
    expect(compareShadows([])).toEqual([]);
  });
});
