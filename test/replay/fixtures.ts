// The recorded workflow histories (test/fixtures/histories/*.json): written by record-histories.ts from real runs,
// replayed by test/unit/replay/ against the current workflow code.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJson, type History } from './history-json';

export const FIXTURE_DIR = path.resolve(__dirname, '../fixtures/histories');

/** Every branch the fixtures must cover (issue #14): a missing one fails the replay test. */
export const REQUIRED_BRANCHES = [
  'analyze',
  'heal-dry-run',
  'heal-verified',
  'heal-approved',
  'heal-rolled-back',
  'heal-refused',
  'heal-approval-timeout',
  'heal-rejected',
  'heal-cancelled-by-temporal',
  'heal-cancelled-by-signal',
  'heal-reset',
  'backpressure-release',
  'retention',
  'watch',
] as const;

export interface HistoryFixture {
  branch: string;
  workflowType: string;
  workflowId: string;
  runId: string;
  /** How the recorded run closed: COMPLETED, FAILED, CANCELLED or CONTINUED_AS_NEW. */
  status: string;
  expected: { status: string; outcome: string | null };
  recordedAt: string;
  /** The history as `temporal workflow show --output json` writes it (proto3 JSON). */
  history: unknown;
}

/**
 * `<branch>.json`, or `<branch>.<suffix>.json` for a later recording of the same branch (a new path behind
 * `patched()`): the older ones stay, since they are the histories still in flight.
 */
export function fixtureFile(branch: string, suffix?: string): string {
  return path.join(FIXTURE_DIR, suffix ? `${branch}.${suffix}.json` : `${branch}.json`);
}

export function loadFixtures(): (HistoryFixture & { file: string; parsed: History })[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const fixture = JSON.parse(readFileSync(path.join(FIXTURE_DIR, f), 'utf8')) as HistoryFixture;
      return { ...fixture, file: f, parsed: historyFromJson(fixture.history) };
    });
}
