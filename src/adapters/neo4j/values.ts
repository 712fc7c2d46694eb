// Conversions between domain values and what Neo4j stores: epoch-ms integers, JSON strings for nested objects.
import neo4j from 'neo4j-driver';

/** A number from a stored property (Neo4j integers come back as Integer objects). */
export function num(value: unknown): number {
  if (neo4j.isInt(value)) return value.toNumber();
  if (typeof value === 'number') return value;
  throw new TypeError(`expected a number from Neo4j, got ${typeof value}`);
}

export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : String(value ?? '');
}

export function strOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : str(value);
}

export function strOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function parseJson<T>(value: unknown, fallback: T): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : fallback;
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(str) : [];
}

/** The property map of a node returned as `n {.*}` (or null from an OPTIONAL MATCH). */
export type Props = Record<string, unknown>;
