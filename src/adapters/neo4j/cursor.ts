// Keyset pagination: pages are ordered by (at desc, id desc) and a cursor names the last row of the previous page,
// so pages never skip or repeat rows even while new rows are written.
import { ValidationError } from '../../errors';

export interface PageKey {
  at: number;
  id: string;
}

export function encodeCursor(key: PageKey): string {
  return Buffer.from(`${key.at}:${key.id}`, 'utf8').toString('base64url');
}

/** The position after which the next page starts; throws ValidationError (400) for a cursor we did not issue. */
export function decodeCursor(cursor: string): PageKey {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const colon = text.indexOf(':');
  const at = Number(text.slice(0, colon));
  const id = text.slice(colon + 1);
  if (colon <= 0 || !Number.isSafeInteger(at) || id === '') throw new ValidationError('cursor', 'not a cursor from a previous page');
  return { at, id };
}

/** Query parameters for the keyset condition `(at < $afterAt OR (at = $afterAt AND id < $afterId))`. */
export function cursorParams(cursor: string | undefined): { afterAt: number | null; afterId: string | null } {
  if (cursor === undefined) return { afterAt: null, afterId: null };
  const key = decodeCursor(cursor);
  return { afterAt: key.at, afterId: key.id };
}

/** Cypher fragment for the keyset condition on variable `v`, with the parameters from cursorParams. */
export function afterCursor(v: string): string {
  return `($afterAt IS NULL OR ${v}.at < $afterAt OR (${v}.at = $afterAt AND ${v}.id < $afterId))`;
}

/** Pages are fetched with limit + 1 rows: the extra row only says whether there is a next page. */
export function toPage<T extends PageKey>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
