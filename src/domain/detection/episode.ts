// Episodes: one alarm per incident. An episode opens when the evidence reaches episodeOpenZ, stays ongoing until the
// evidence has stayed below episodeCloseZ for episodeResolveSamples samples (hysteresis: a flapping signal is one
// episode), then resolves. On a one-sided metric (error rate, latency) the episode also holds while the value stays
// on the harmful side of where it was when the episode opened: the baseline may learn the new level, but a sustained
// harmful shift is still an incident until it recovers or acceptAfterSamples accepts the new level.
import type { DetectorConfig } from './config';
import type { MetricProfile } from './metric-profiles';
import type { BaselineState } from './state';

/** How far (in pre-episode sigmas) past its old level a one-sided metric must stay for the shift to hold the episode. */
const HARMFUL_SHIFT_SIGMAS = 3;

/** Evidence this many times the open episode's strongest is a new, worse incident: it opens a new episode. */
const ESCALATION = 3;

export type EpisodePhase = 'none' | 'opened' | 'ongoing' | 'resolved';

/** Advances the episode of `state` by one sample and says where it stands. */
export function stepEpisode(
  state: BaselineState,
  evidence: number,
  value: number,
  expected: number,
  std: number,
  profile: MetricProfile,
  config: DetectorConfig,
  at: number,
): EpisodePhase {
  const escalates = state.episodeOpenedAt !== null && evidence >= Math.max(config.episodeOpenZ, ESCALATION * state.episodePeak);
  if (state.episodeOpenedAt === null || escalates) {
    if (evidence < config.episodeOpenZ) return 'none';
    state.episodeOpenedAt = at;
    state.episodeSamples = 0;
    state.episodeQuiet = 0;
    state.episodeReference = expected;
    state.episodeSpread = std;
    state.episodePeak = evidence;
    return 'opened';
  }
  state.episodeSamples += 1;
  state.episodePeak = Math.max(state.episodePeak, evidence);
  // Hysteresis: calm samples count towards resolution, alarming ones start the count again, those between wait.
  if (evidence >= config.episodeOpenZ || harmfulShiftHolds(state, value, profile)) state.episodeQuiet = 0;
  else if (evidence < config.episodeCloseZ) state.episodeQuiet += 1;
  const accepted = config.acceptAfterSamples > 0 && state.episodeSamples >= config.acceptAfterSamples;
  if (state.episodeQuiet < config.episodeResolveSamples && !accepted) return 'ongoing';
  state.episodeOpenedAt = null;
  state.episodeSamples = 0;
  state.episodeQuiet = 0;
  return 'resolved';
}

/** A one-sided metric still well past its pre-episode level on the harmful side. */
export function harmfulShiftHolds(state: BaselineState, value: number, profile: MetricProfile): boolean {
  if (profile.direction === 'both') return false;
  const beyond = (value - state.episodeReference) / Math.max(state.episodeSpread, Number.MIN_VALUE);
  return profile.direction === 'above' ? beyond > HARMFUL_SHIFT_SIGMAS : beyond < -HARMFUL_SHIFT_SIGMAS;
}

/** Accepts the current level as normal and closes the open episode (an operator's acknowledgement). */
export function acceptCurrentLevel(state: BaselineState): void {
  state.episodeOpenedAt = null;
  state.episodeSamples = 0;
  state.episodeQuiet = 0;
}
