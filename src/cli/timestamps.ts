// Timestamps as backtest CSVs carry them: ISO-8601 (a zone-less time is UTC, as in NAB's "2014-04-01 00:00:00"),
// or epoch numbers, seconds or milliseconds, told apart by size.

/** Epoch numbers below this are seconds (up to the year 5138); at or above it, milliseconds (from 1973). */
export const EPOCH_SECONDS_LIMIT = 1e11;

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Epoch milliseconds, or null when `text` is not a timestamp. */
export function parseTimestamp(text: string): number | null {
  const trimmed = text.trim();
  if (NUMERIC.test(trimmed)) {
    const n = Number(trimmed);
    if (!Number.isFinite(n)) return null;
    return Math.abs(n) < EPOCH_SECONDS_LIMIT ? n * 1000 : n;
  }
  const m = ISO_8601.exec(trimmed);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] ? Number(m[4]) : 0;
  const minute = m[5] ? Number(m[5]) : 0;
  const second = m[6] ? Number(m[6]) : 0;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  const millis = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - zoneOffsetMs(m[8]);
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

function zoneOffsetMs(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  return sign * (hours * 60 + minutes) * 60_000;
}
