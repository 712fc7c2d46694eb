import { readFile } from 'node:fs/promises';
import { UsageError } from './command';

/** A JSON object from a file named by a flag; a missing file or bad JSON is the user's mistake, named by its flag. */
export async function readJsonObject(flag: string, path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag}: ${path} is not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${flag}: ${path} must hold a JSON object`);
  return value as Record<string, unknown>;
}
