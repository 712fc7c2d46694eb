// Bad input never touches a baseline: NaN, ±Infinity, strings, empty values, impossible negatives and out-of-order
// timestamps are rejected with a reason, and the state stays deep-equal to what it was. A repeated timestamp is not
// bad input: it is the same instant read again.
import { describe, expect, it } from 'vitest';
import {
  cloneBaselineState,
  createDetector,
  parseBaselineState,
  validateSample,
  validateTimestamp,
} from '../../../../src/domain/detection';
import { makeSeries, MINUTE, START } from './synthetic';
import { ALARM_MEMORY } from '../../../../src/domain/detection/state';

function trainedState() {
  const detector = createDetector();
  const state = detector.createState();
  const series = makeSeries(100, () => 100);
  series.values.forEach((v, i) => detector.observe(state, 'latency_p95', v, series.times[i]!));
  return { detector, state, next: START + 100 * MINUTE };
}

describe('bad input', () => {
  it.each([
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, '+Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
    ['12', 'not a number'],
    ['', 'empty value'],
    [null, 'empty value'],
    [undefined, 'empty value'],
    [-1, 'negative value for a latency metric'],
    [1e200, 'magnitude above 1e+150'],
  ])('validateSample rejects %s for latency_p95 with "%s"', (value, reason) => {
    expect(validateSample('latency_p95', value)).toBe(reason);
  });

  it('accepts negatives for metrics that can be negative, and zero for any metric', () => {
    expect(validateSample('temperature_delta', -3)).toBeNull();
    expect(validateSample('error_rate', 0)).toBeNull();
    expect(validateSample('error_rate', -0.1)).toBe('negative value for a error_rate metric');
  });

  it.each([
    ['NaN', Number.NaN, 0],
    ['Infinity', Number.POSITIVE_INFINITY, 0],
    ['a negative latency', -5, 0],
    ['an out-of-order timestamp', 100, -10 * MINUTE],
  ])('leaves the baseline deep-equal after %s', (_label, value, shift) => {
    const { detector, state, next } = trainedState();
    const before = cloneBaselineState(state);
    const result = detector.observe(state, 'latency_p95', value, next + shift);
    expect(result.accepted).toBe(false);
    expect(result.reason).toBeTruthy();
    expect(result.severity).toBe('none');
    expect(state).toEqual(before);
  });

  it('accepts a repeated timestamp as the same instant and names out-of-order and invalid ones', () => {
    expect(validateTimestamp(1000, 1000)).toBeNull();
    expect(validateTimestamp(999, 1000)).toBe('out-of-order timestamp');
    expect(validateTimestamp(Number.NaN, null)).toBe('invalid timestamp');
    expect(validateTimestamp(1001, 1000)).toBeNull();
  });

  it('scores a sample at a repeated timestamp and learns from it', () => {
    const { detector, state, next } = trainedState();
    const last = state.lastAt!;
    const result = detector.observe(state, 'latency_p95', 100, last);
    expect(result.accepted).toBe(true);
    expect(Number.isFinite(result.score)).toBe(true);
    expect(state.count).toBe(101);
    expect(state.lastAt).toBe(last);
    expect(detector.observe(state, 'latency_p95', 100, next).accepted).toBe(true);
  });

  it('update() never modifies the state passed in, accepted or not', () => {
    const { detector, state, next } = trainedState();
    const before = cloneBaselineState(state);
    const accepted = detector.update(state, 'latency_p95', 180, next);
    const rejected = detector.update(state, 'latency_p95', Number.NaN, next);
    expect(state).toEqual(before);
    expect(accepted.state).not.toBe(state);
    expect(accepted.state.count).toBe(state.count + 1);
    expect(rejected.state).toBe(state);
  });

  it('parseBaselineState round-trips JSON and refuses corrupt records', () => {
    const { state } = trainedState();
    expect(parseBaselineState(JSON.parse(JSON.stringify(state)))).toEqual(state);
    expect(parseBaselineState({ ...state, level: null })).toBeNull();
    expect(parseBaselineState({ ...state, version: 1 })).toBeNull(); // a record of the previous engine: start afresh
    expect(parseBaselineState({ ...state, version: 3 })).toBeNull();
    expect(parseBaselineState({ ...state, episodeOpenedAt: 'yesterday' })).toBeNull();
    expect(parseBaselineState({ ...state, season: ['x'] })).toBeNull();
    expect(parseBaselineState('{}')).toBeNull();
  });

  it('parseBaselineState reads a record written before the alarm ranking as one with no alarm peak yet', () => {
    const { state } = trainedState();
    const { alarmPeakDeviation: _, ...older } = { ...state, alarmPeakDeviation: 5 };
    expect(parseBaselineState(older)).toEqual({ ...state, alarmPeakDeviation: 0 });
    expect(parseBaselineState({ ...state, alarmPeakDeviation: -1 })?.alarmPeakDeviation).toBe(0);
  });

  it('parseBaselineState reads a record written before the alarm memory as one with no alarm yet, and checks it', () => {
    const { state } = trainedState();
    const { alarmDeviations: _, ...older } = { ...state, alarmDeviations: [3] };
    expect(parseBaselineState(older)).toEqual({ ...state, alarmDeviations: [] });
    expect(parseBaselineState({ ...state, alarmDeviations: [2.5, 40] })?.alarmDeviations).toEqual([2.5, 40]);
    expect(parseBaselineState({ ...state, alarmDeviations: [-1] })?.alarmDeviations).toEqual([]);
    expect(parseBaselineState({ ...state, alarmDeviations: ['x'] })?.alarmDeviations).toEqual([]);
    expect(parseBaselineState({ ...state, alarmDeviations: new Array(ALARM_MEMORY + 1).fill(1) })?.alarmDeviations).toEqual([]);
  });
});
