// Episodes: one alarm per incident. The opening sample carries the score; the samples after it are marked ongoing
// and score low; a harmful sustained shift stays open until it recovers or is accepted; scores keep their order at
// the top instead of saturating.
import { describe, expect, it } from 'vitest';
import { acceptCurrentLevel, analyzeMetrics, createDetector, type BaselineState } from '../../../../src/domain/detection';
import { makeSeries, MINUTE, runSeries, START } from './synthetic';

const SHIFT_AT = 300;
const RECOVER_AT = 450;
/** error_rate around 1% (noise 0.1%), 10% from SHIFT_AT to RECOVER_AT, then 1% again. */
const errorRate = makeSeries(700, (i) => (i >= SHIFT_AT && i < RECOVER_AT ? 0.1 : 0.01), { sigma: 0.001, seed: 4 });

describe('episodes', () => {
  it('opens one episode for a harmful sustained shift, keeps it open while the shift lasts, resolves after recovery', () => {
    const results = runSeries(errorRate, {}, 'error_rate');
    expect(results.slice(200, SHIFT_AT).every((r) => r.episode === 'none')).toBe(true);
    const opening = results[SHIFT_AT]!;
    expect(opening).toMatchObject({ episode: 'opened', ongoing: false, severity: 'high', episodeOpenedAt: errorRate.times[SHIFT_AT] });
    const during = results.slice(SHIFT_AT + 1, RECOVER_AT);
    // The baseline learns the new level within a few samples; the incident is still reported, as ongoing.
    expect(during.every((r) => r.ongoing && r.episode === 'ongoing' && r.severity !== 'none')).toBe(true);
    expect(during.every((r) => r.episodeOpenedAt === errorRate.times[SHIFT_AT])).toBe(true);
    expect(Math.max(...during.map((r) => r.score))).toBeLessThan(opening.score / 5);
    expect(results[RECOVER_AT + 50]!.hint).toBe('');
    const resolved = results.findIndex((r) => r.episode === 'resolved');
    expect(resolved).toBeGreaterThan(RECOVER_AT);
    expect(resolved).toBeLessThanOrEqual(RECOVER_AT + 101);
    expect(results.slice(resolved + 1).every((r) => r.episode === 'none')).toBe(true);
  });

  it('carries the episode into the analyze result: opened, then ongoing with the same opening time', () => {
    let states: Record<string, BaselineState> = {};
    const episodes: (string | undefined)[] = [];
    const opened: (string | undefined)[] = [];
    errorRate.values.slice(0, SHIFT_AT + 20).forEach((value, i) => {
      const analysis = analyzeMetrics(states, { error_rate: value }, errorRate.times[i]!);
      states = analysis.states;
      if (i >= SHIFT_AT) {
        episodes.push(analysis.anomalies[0]?.episode);
        opened.push(analysis.anomalies[0]?.episode_opened_at);
      }
    });
    expect(episodes[0]).toBe('opened');
    expect(episodes.slice(1).every((e) => e === 'ongoing')).toBe(true);
    expect(new Set(opened)).toEqual(new Set([new Date(errorRate.times[SHIFT_AT]!).toISOString()]));
  });

  it('accepts the new level after acceptAfterSamples, or when an operator acknowledges it', () => {
    const accepting = runSeries(errorRate, { acceptAfterSamples: 30 }, 'error_rate');
    expect(accepting[SHIFT_AT + 30]!.episode).toBe('resolved');
    expect(accepting.slice(SHIFT_AT + 31, RECOVER_AT).every((r) => r.severity === 'none' && r.episode === 'none')).toBe(true);

    const detector = createDetector();
    const state = detector.createState();
    const acknowledged = errorRate.values.map((v, i) => {
      if (i === SHIFT_AT + 10) acceptCurrentLevel(state);
      return detector.observe(state, 'error_rate', v, errorRate.times[i]!);
    });
    expect(acknowledged[SHIFT_AT + 9]!.episode).toBe('ongoing');
    expect(acknowledged.slice(SHIFT_AT + 10, RECOVER_AT).every((r) => r.episode === 'none')).toBe(true);
  });

  it('does not take a daily peak for a held shift: after a spike on a seasonal latency, the episode reports nothing', () => {
    const day = 288;
    const spikeAt = 3 * day + 40; // at night, before the daily rise
    const latency = makeSeries(4 * day, (i) => 150 + 40 * Math.sin((2 * Math.PI * i) / day) + (i === spikeAt ? 400 : 0), { sigma: 2, seed: 5, intervalMs: 5 * MINUTE });
    const results = runSeries(latency, {}, 'latency_p95');
    expect(results[spikeAt]!.episode).toBe('opened');
    const afterwards = results.slice(spikeAt + 5, spikeAt + 150);
    expect(afterwards.filter((r) => r.severity !== 'none')).toEqual([]);
  });

  it('opens a new episode for evidence far beyond the open episode (a worse incident is a new alarm)', () => {
    const series = makeSeries(700, (i) => (i === 400 ? 106 : i === 405 ? 200 : 100), { seed: 2 });
    const results = runSeries(series);
    expect(results[400]!.episode).toBe('opened');
    expect(results[401]!.episode).toBe('ongoing');
    expect(results[405]!.episode).toBe('opened');
  });

  it('spaces alarms: soon after an episode opened, a new one needs more evidence; later, the same spike counts in full', () => {
    // The same 10-sigma spike three times: the episode of the first resolves about 120 samples later; the second comes
    // 160 samples after the first alarm (within alarmSpacingSamples, 200), the third 360 after it. Ranking against the
    // earlier alarms (their size and their count) is off, so that only spacing decides the order.
    const series = makeSeries(900, (i) => (i === 400 || i === 560 || i === 760 ? 110 : 100), { seed: 11 });
    const unranked = { alarmPeakWeight: 0, alarmCountWeight: 0 };
    const spaced = runSeries(series, unranked);
    const unspaced = runSeries(series, { alarmSpacingSamples: 0, ...unranked });
    expect(spaced.slice(401, 560).some((r) => r.episode === 'resolved')).toBe(true);
    expect(spaced[560]!.score).toBeLessThan(unspaced[560]!.score);
    expect(spaced[560]!.score).toBeLessThan(spaced[760]!.score);
    expect(spaced[760]).toMatchObject({ episode: 'opened', score: unspaced[760]!.score });
    expect(spaced[400]).toMatchObject({ episode: 'opened', score: unspaced[400]!.score });
  });

  it('ranks an alarm smaller than an earlier one of the series below the same alarm in a series without it', () => {
    // A 40-sigma spike at 400, then a 10-sigma spike at 1000 (after the first episode and its spacing have passed).
    const after = makeSeries(1200, (i) => (i === 400 ? 140 : i === 1000 ? 110 : 100), { seed: 3 });
    const alone = makeSeries(1200, (i) => (i === 1000 ? 110 : 100), { seed: 3 });
    const [withBig, withoutBig] = [runSeries(after), runSeries(alone)];
    expect(withBig[400]!.episode).toBe('opened');
    expect(withBig[1000]!.episode).toBe('opened');
    expect(withoutBig[1000]!.episode).toBe('opened');
    expect(withBig[1000]!.score).toBeLessThan(withoutBig[1000]!.score);
    // Still an alarm: above every row that does not start an episode.
    const floor = Math.max(...withBig.filter((r) => r.episode !== 'opened').map((r) => r.score));
    expect(withBig[1000]!.score).toBeGreaterThan(floor);
  });

  it('ranks the alarms of a series that has alarmed often lower, the more often the lower, and still as alarms', () => {
    // Spikes of 20 sigmas and more, 700 samples apart (each episode resolved and spaced), each a little larger than the
    // one before, so the size ranking takes nothing off. With and without the count ranking: the first alarm scores
    // the same, each later one lower, and the sixth loses more than the second; every one still scores above every
    // row that starts no episode.
    const spikes = [500, 1200, 1900, 2600, 3200, 3900];
    const series = makeSeries(4000, (i) => (spikes.includes(i) ? 120 + 2 * spikes.indexOf(i) : 100), { seed: 4 });
    const counted = runSeries(series);
    const uncounted = runSeries(series, { alarmCountWeight: 0 });
    expect(spikes.map((i) => counted[i]!.episode)).toEqual(Array(spikes.length).fill('opened'));
    expect(counted[500]!.score).toBe(uncounted[500]!.score);
    const logit = (p: number) => Math.log(p / (1 - p));
    const loss = (i: number) => logit(uncounted[i]!.score) - logit(counted[i]!.score);
    expect(loss(1200)).toBeGreaterThan(0);
    expect(loss(3900)).toBeGreaterThan(loss(1200));
    const floor = Math.max(...counted.filter((r) => r.episode !== 'opened').map((r) => r.score));
    expect(Math.min(...spikes.map((i) => counted[i]!.score))).toBeGreaterThan(floor);
  });

  it('does not count earlier alarms less than half as large against a new alarm', () => {
    // Five 20-sigma spikes, then a 100-sigma one: the count ranking takes nothing off the large alarm, and all five
    // off a sixth 20-sigma spike at the same place.
    const spikes = [500, 1200, 1900, 2600, 3200];
    const big = makeSeries(4000, (i) => (spikes.includes(i) ? 120 : i === 3900 ? 200 : 100), { seed: 4 });
    const small = makeSeries(4000, (i) => (spikes.includes(i) || i === 3900 ? 120 : 100), { seed: 4 });
    const [bigCounted, bigUncounted] = [runSeries(big), runSeries(big, { alarmCountWeight: 0 })];
    const [smallCounted, smallUncounted] = [runSeries(small), runSeries(small, { alarmCountWeight: 0 })];
    expect(bigCounted[3900]!.episode).toBe('opened');
    expect(bigCounted[3900]!.score).toBe(bigUncounted[3900]!.score);
    expect(smallCounted[3900]!.episode).toBe('opened');
    expect(smallCounted[3900]!.score).toBeLessThan(smallUncounted[3900]!.score);
  });

  it('gives larger spikes higher opening scores, all below 1 (no plateau at the top)', () => {
    const sizes = [10, 20, 40, 80];
    const openings = sizes.map((size) => {
      const series = makeSeries(600, (i) => (i === 500 ? 100 + size : 100), { seed: 7 });
      return runSeries(series)[500]!;
    });
    expect(openings.every((r) => r.episode === 'opened')).toBe(true);
    const scores = openings.map((r) => r.score);
    for (let k = 1; k < scores.length; k++) expect(scores[k]!).toBeGreaterThan(scores[k - 1]!);
    expect(scores[scores.length - 1]!).toBeLessThan(1);
  });

  it('stops alarming on a sharp daily pattern once it has recurred two days running, and still alarms on a new spike', () => {
    const day = 288; // five-minute samples
    const spikeAt = 5 * day + 200;
    // A square daily wave: 20 at night, 80 from 06:00 to 14:00 (edges no hourly profile can follow), noise sigma 1.
    const square = makeSeries(6 * day, (i) => ((i % day) >= 72 && (i % day) < 168 ? 80 : 20) + (i === spikeAt ? 40 : 0), { seed: 9, intervalMs: 5 * MINUTE });
    const results = runSeries(square);
    const openings = (from: number, to: number) => results.slice(from, to).filter((r) => r.episode === 'opened').length;
    expect(openings(day, 2 * day)).toBeGreaterThan(0); // the edges surprise at first
    expect(openings(3 * day, spikeAt)).toBe(0); // from the third day they are known
    expect(results[spikeAt]!.episode).toBe('opened');
  });

  it('keeps a series with no anomaly quiet: a clean daily wave opens no episode after its first day', () => {
    const wave = makeSeries(4 * 288, (i) => 50 + 20 * Math.sin((2 * Math.PI * i) / 288), { sigma: 0.5, seed: 3, intervalMs: 5 * MINUTE });
    const results = runSeries(wave);
    expect(results.slice(288).filter((r) => r.episode === 'opened')).toEqual([]);
    expect(START).toBe(wave.times[0]);
  });
});
