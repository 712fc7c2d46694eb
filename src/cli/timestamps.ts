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
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number, number, number, number, number, number,
  ];
  const millis = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const date = new Date(utc);
  // Date.UTC rolls 2024-02-30 over to March: reject what does not read back the same.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  return utc - zoneOffsetMs(m[8]);
}

function zoneOffsetMs(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  return sign * (hours * 60 + minutes) * 60_000;
}
