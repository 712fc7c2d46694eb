// Recurring surprise: what surprised the baseline at this time of day on each of the last two days is not news today.
// A sharp daily pattern (a batch job at 02:00, the edges of a square daily wave) leaves a large residual at the same
// time every day, because the hourly seasonal profile smears it. Per slot of the day, the largest surprise of today,
// yesterday and the day before is kept; a surprise counts only by what exceeds the smaller of the last two days'
// (each day's read over this slot and its two neighbours, so an event that drifts across a slot edge still recurs).
// Only a clear surprise (recurringMinSurprise) counts as recurring: ordinary noise recurs every day everywhere, and
// discounting it would blunt every alarm.
import type { DetectorConfig } from './config';
import type { BaselineState } from './state';

export const RECURRING_SLOTS = 24;
const DAY_MS = 86_400_000;

/** `surprise` less what recurred at this time of day on both previous days; also records it for tomorrow. */
export function novelSurprise(state: BaselineState, surprise: number, at: number, config: DetectorConfig): number {
  const days = at / DAY_MS;
  const day = Math.floor(days);
  if (day !== state.recurringDay) turnDay(state, day);
  const slot = Math.min(RECURRING_SLOTS - 1, Math.floor((days - day) * RECURRING_SLOTS));
  const today = state.surpriseToday;
  // Two decimals are plenty for a daily maximum and keep the persisted state small.
  if (surprise > today[slot]!) today[slot] = Math.round(surprise * 100) / 100;
  const recurring = Math.min(around(state.surpriseYesterday, slot), around(state.surpriseDayBefore, slot));
  return recurring >= config.recurringMinSurprise ? Math.max(0, surprise - recurring) : surprise;
}

/** The largest of `day` at `slot` and its neighbours (the slots wrap around midnight). */
function around(day: number[], slot: number): number {
  const before = slot === 0 ? RECURRING_SLOTS - 1 : slot - 1;
  const after = slot === RECURRING_SLOTS - 1 ? 0 : slot + 1;
  return Math.max(day[before]!, day[slot]!, day[after]!);
}

/** A new day: the days move back one (in place: no allocation); after a gap of days, what they held is stale. */
function turnDay(state: BaselineState, day: number): void {
  const consecutive = day === state.recurringDay + 1;
  const { surpriseToday: today, surpriseYesterday: yesterday, surpriseDayBefore: dayBefore } = state;
  for (let i = 0; i < RECURRING_SLOTS; i++) {
    dayBefore[i] = consecutive ? yesterday[i]! : 0;
    yesterday[i] = consecutive ? today[i]! : 0;
    today[i] = 0;
  }
  state.recurringDay = day;
}
