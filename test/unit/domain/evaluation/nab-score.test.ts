// NAB scoring on a hand-made corpus whose scores were worked out by hand (the arithmetic is in the comments).
import { describe, expect, it } from 'vitest';
import { CorpusError, probationRows, resolveSeries, scaledSigmoid, scoreCorpus } from '../../../../src/domain/evaluation';

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 1);
const stamps = (n: number) => Array.from({ length: n }, (_, i) => T0 + i * MINUTE);

// File a: 20 rows, probation 3 rows, one window over rows 10..13 (width 4).
//   row 1  0.95  in probation: ignored
//   row 5  0.8   false positive, no window before it: -1 x fpWeight
//   row 11 0.9   in the window: S(-(13-11+1)/4) / S(-1) = 0.954047 / 0.986614 = 0.966991
//   row 16 0.7   after the window: x = (16-13)/(4-1) = 1, S(1) = -0.986614, x fpWeight
// File b: 20 rows, no window; row 8 0.6 is a false positive.
const a = resolveSeries({ name: 'x/a.csv', timestamps: stamps(20), windows: [[T0 + 10 * MINUTE, T0 + 13 * MINUTE]] });
const b = resolveSeries({ name: 'x/b.csv', timestamps: stamps(20), windows: [] });
const scoresA = new Array<number>(20).fill(0);
scoresA[1] = 0.95;
scoresA[5] = 0.8;
scoresA[11] = 0.9;
scoresA[16] = 0.7;
const scoresB = new Array<number>(20).fill(0);
scoresB[8] = 0.6;

describe('NAB scoring', () => {
  it('has NAB constants: probation, scaled sigmoid', () => {
    expect(probationRows(20)).toBe(3);
    expect(probationRows(4032)).toBe(604); // floor(604.8)
    expect(probationRows(18050)).toBe(750);
    expect(scaledSigmoid(-1)).toBeCloseTo(0.986614, 6);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.986614, 6);
    expect(scaledSigmoid(3.5)).toBe(-1);
  });

  it('picks the threshold that catches the window before any false positive, and normalises against the null detector', () => {
    const report = scoreCorpus([a, b], [scoresA, scoresB]);
    // Standard: thresholds 0.9 / 0.8 / 0.7 / 0.6 give raw 0.966991 / 0.856991 / 0.748463 / 0.638463; nothing gives -1.
    // The null detector (0.5 everywhere) does best detecting nothing (-1); perfect is 1 window = 1.
    expect(report.standard.threshold).toBe(0.9);
    expect(report.standard.raw).toBeCloseTo(0.966991, 5);
    expect(report.standard.nullRaw).toBeCloseTo(-1, 9);
    expect(report.standard.score).toBeCloseTo((100 * (0.966991 + 1)) / 2, 3); // 98.3496
    // Low FN: a miss costs 2, so null = -2 and the score is 100 x (0.966991 + 2) / 3.
    expect(report.reward_low_FN_rate.score).toBeCloseTo(98.8997, 3);
    expect(report.windows).toBe(1);
    const fileA = report.standard.files[0]!;
    expect(fileA).toMatchObject({ file: 'x/a.csv', tp: 1, fp: 0, detectedWindows: 1, missedWindows: 0 });
    expect(fileA.score).toBeCloseTo(0.966991, 5);
  });

  it('charges false positives by their distance after a window, and fpWeight doubles in the low-FP profile', () => {
    // Only the window's row and the row after it: threshold 0.7 must keep both (0.966991 - 0.11 x 0.986614).
    const lone = new Array<number>(20).fill(0);
    lone[11] = 0.7;
    lone[16] = 0.9;
    const report = scoreCorpus([a], [lone]);
    // At 0.9 only the false positive counts: -1 - 0.108528; at 0.7 both: 0.966991 - 0.108528 = 0.858463.
    expect(report.standard.threshold).toBe(0.7);
    expect(report.standard.raw).toBeCloseTo(0.858463, 5);
    expect(report.reward_low_FP_rate.raw).toBeCloseTo(0.966991 - 0.22 * 0.986614, 5);
  });

  it('refuses windows that are not timestamps of the data, and scores that do not match the rows', () => {
    expect(() => resolveSeries({ name: 'c.csv', timestamps: stamps(5), windows: [[T0 + 30 * MINUTE, T0 + 31 * MINUTE]] })).toThrow(CorpusError);
    expect(() => resolveSeries({ name: 'c.csv', timestamps: stamps(5), windows: [[T0, T0 + 30 * MINUTE]] })).toThrow(/window end/);
    expect(() => scoreCorpus([a], [[0.1, 0.2]])).toThrow(/2 scores for 20 rows/);
  });
});
