// Episodes: one alarm per incident. An episode opens when the evidence reaches episodeOpenZ, stays ongoing until the
// evidence has stayed below episodeCloseZ for episodeResolveSamples samples (hysteresis: a flapping signal is one
// episode), then resolves. On a one-sided metric (error rate, latency) the episode also holds after the baseline has
// confirmed a level shift to the harmful side, while the level keeps at least half of it: the baseline learns the new
// level, but a sustained harmful shift is still an incident until it recovers, acceptAfterSamples accepts it or an
// operator does. Only a confirmed shift holds it, so a level that wanders with the time of day after a spike does not.
import type { DetectorConfig } from './config';
import type { MetricProfile } from './metric-profiles';
import type { BaselineState } from './state';

/** The share of the confirmed harmful shift the level must keep for the episode to hold. */
const HELD_SHARE = 0.5;

/** Evidence this many times the open episode's strongest is a new, worse incident: it opens a new episode. */
const ESCALATION = 3;

export type EpisodePhase = 'none' | 'opened' | 'ongoing' | 'resolved';

/** Advances the episode of `state` by one sample and says where it stands. */
export function stepEpisode(
  state: BaselineState,
  evidence: number,
  levelBefore: number,
  levelShift: number,
  profile: MetricProfile,
  config: DetectorConfig,
  at: number,
): EpisodePhase {
  const escalates = state.episodeOpen && evidence >= Math.max(config.episodeOpenZ, ESCALATION * state.episodePeak);
  if (!state.episodeOpen || escalates) {
    if (evidence < config.episodeOpenZ) return 'none';
    state.episodeOpen = true;
    state.episodeOpenedAt = at;
    state.episodeSamples = 0;
    state.episodeQuiet = 0;
    state.episodeReference = levelBefore;
    state.episodeShift = 0;
    noteShift(state, levelShift, profile);
    state.episodePeak = evidence;
    return 'opened';
  }
  state.episodeSamples += 1;
  noteShift(state, levelShift, profile);
  state.episodePeak = Math.max(state.episodePeak, evidence);
  // Hysteresis: calm samples count towards resolution, alarming ones start the count again, those between wait.
  if (evidence >= config.episodeOpenZ || harmfulShiftHolds(state)) state.episodeQuiet = 0;
  else if (evidence < config.episodeCloseZ) state.episodeQuiet += 1;
  const accepted = config.acceptAfterSamples > 0 && state.episodeSamples >= config.acceptAfterSamples;
  if (state.episodeQuiet < config.episodeResolveSamples && !accepted) return 'ongoing';
  state.episodeOpen = false;
  state.episodeSamples = 0;
  state.episodeQuiet = 0;
  return 'resolved';
}

/** Remembers a confirmed level shift to the harmful side of a one-sided metric, measured from the pre-episode level. */
function noteShift(state: BaselineState, levelShift: number, profile: MetricProfile): void {
  const harmful = (profile.direction === 'above' && levelShift > 0) || (profile.direction === 'below' && levelShift < 0);
  if (harmful) state.episodeShift = state.level - state.episodeReference;
}

/** The episode's confirmed harmful shift is still (mostly) there. */
export function harmfulShiftHolds(state: BaselineState): boolean {
  return state.episodeShift !== 0 && (state.level - state.episodeReference) / state.episodeShift >= HELD_SHARE;
}

/** Accepts the current level as normal and closes the open episode (an operator's acknowledgement). */
export function acceptCurrentLevel(state: BaselineState): void {
  state.episodeOpen = false;
  state.episodeSamples = 0;
  state.episodeQuiet = 0;
}
