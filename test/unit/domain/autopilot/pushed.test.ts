// The pure rules of pushed metrics: the newest value of each series, when silence makes a push-fed service blind,
// and the policy's `push` flag.
import { describe, expect, it } from 'vitest';
import { newestPerSeries, parseAutopilotPolicy, PolicyFileError, pushSight } from '../../../../src/domain/autopilot';
import { strategyNames } from '../../../../src/domain/strategies';

describe('newestPerSeries', () => {
  it('keeps the newest value of each series, whatever the order the samples came in', () => {
    const s = (at: number, metrics: Record<string, number>) => ({ key: `k${at}`, service: 'api', at, metrics });
    expect(newestPerSeries([s(30, { a: 3 }), s(10, { a: 1, b: 1 }), s(20, { b: 2 })])).toEqual({ a: 3, b: 2 });
    expect(newestPerSeries([])).toEqual({});
  });
});

describe('pushSight', () => {
  it('a first sample starts the clock; a take resets it; more than 5 intervals of silence is blind, naming how long', () => {
    expect(pushSight(undefined, 0, 1000, 2)).toEqual({ memory: { lastAt: 1000 }, blind: null });
    expect(pushSight({ lastAt: 1000 }, 0, 11_000, 2)).toEqual({ memory: { lastAt: 1000 }, blind: null });
    expect(pushSight({ lastAt: 1000 }, 0, 11_001, 2).blind).toBe('push: no sample pushed for 10s (more than 5 intervals of 2s)');
    expect(pushSight({ lastAt: 1000 }, 3, 60_000, 2)).toEqual({ memory: { lastAt: 60_000 }, blind: null });
  });
});

describe('the policy’s push flag', () => {
  const parse = (text: string) => parseAutopilotPolicy(text, { path: 'p.yaml', version: 'v1' }, strategyNames());
  it('true marks the service as fed by pushes; false or absent does not', () => {
    expect(parse('services:\n  api:\n    push: true\n').services['api']?.push).toBe(true);
    expect(parse('services:\n  api:\n    push: false\n').services['api']?.push).toBeUndefined();
    expect(parse('services:\n  api: {}\n').services['api']?.push).toBeUndefined();
  });
  it('anything else is refused naming the field', () => {
    expect(() => parse('services:\n  api:\n    push: yes please\n')).toThrow(PolicyFileError);
    expect(() => parse('services:\n  api:\n    push: 1\n')).toThrow(/services\.api\.push: expected true or false/);
  });
});
