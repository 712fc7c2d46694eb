// The seasonal profile: a few buckets over the period (24 hourly buckets for a day by default), read and taught with
// linear interpolation between bucket centres, so memory stays fixed however often the series is sampled.
import type { BaselineState } from './state';

/** Where a timestamp falls in the profile: two neighbouring buckets and the weight of the second. */
export interface SeasonPosition {
  first: number;
  second: number;
  weight: number;
}

/** Writes the position of `at` into `out` (reused, so the hot path allocates nothing). */
export function locateInSeason(at: number, periodMs: number, buckets: number, out: SeasonPosition): void {
  const cycles = at / periodMs; // floor arithmetic, not %, which is a slow fmod on doubles
  const position = (cycles - Math.floor(cycles)) * buckets - 0.5;
  const below = Math.floor(position);
  out.weight = position - below;
  out.first = below < 0 ? buckets - 1 : below;
  out.second = out.first + 1 === buckets ? 0 : out.first + 1;
}

export function seasonalValue(season: number[], at: SeasonPosition): number {
  return season[at.first]! * (1 - at.weight) + season[at.second]! * at.weight;
}

export function teachSeason(season: number[], at: SeasonPosition, amount: number): void {
  season[at.first]! += amount * (1 - at.weight);
  season[at.second]! += amount * at.weight;
}

/**
 * Once per bucket change: centre the profile on zero (its mean belongs to the level), round it, and decide whether it is
 * significant (root-mean-square at least `threshold`) and has seen a whole period. Switching it on or off moves the
 * current seasonal value between level and profile, so the forecast does not jump.
 */
export function reviewSeason(
  state: BaselineState,
  at: number,
  periodMs: number,
  threshold: number,
  here: SeasonPosition,
): void {
  const season = state.season;
  let sum = 0;
  for (const value of season) sum += value;
  const mean = sum / season.length;
  let squares = 0;
  for (let i = 0; i < season.length; i++) {
    // Six significant digits are plenty for a seasonal offset, and keep the persisted state well under 1 KB.
    season[i] = Number((season[i]! - mean).toPrecision(6));
    squares += season[i]! * season[i]!;
  }
  if (state.seasonActive) state.level += mean;
  const significant = at - (state.firstAt ?? at) >= periodMs && Math.sqrt(squares / season.length) >= threshold;
  if (significant !== state.seasonActive) {
    const current = seasonalValue(season, here);
    state.level += significant ? -current : current;
    state.seasonActive = significant;
  }
}
