// Replays the recorded histories of real runs (test/fixtures/histories, one per workflow branch) against the current
// workflow code, with no server: a change to workflows/ that would break a heal or an analysis in flight fails here.
// When it fails, read "Changing a workflow" in docs/architecture.md before re-recording anything.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflowCode, Worker, type ReplayResult, type WorkflowBundleOption, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { installTestRuntime } from '../../helpers/temporal-runtime';
import { sharedTestBundle } from '../../helpers/workflow-bundle';
import { loadFixtures, REQUIRED_BRANCHES } from '../../replay/fixtures';

const EventType = temporal.api.enums.v1.EventType;
const fixtures = loadFixtures();
const logger = installTestRuntime();
/** Replay results by fixture file. */
let results: Map<string, ReplayResult>;

async function bundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, logger });
}

/**
 * Replays the fixtures one after the other and returns each one's result by fixture file. Results come in input order; they
 * cannot be matched by run id, since a reset run replays under the id of the run it was reset from.
 */
async function replayAll(workflowBundle: WorkflowBundleOption, only = fixtures): Promise<Map<string, ReplayResult>> {
  const byFile = new Map<string, ReplayResult>();
  const histories = only.map((f) => ({ workflowId: f.workflowId, history: f.parsed }));
  let i = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle, replayName: 'fixtures' }, histories)) {
    const fixture = only[i++]!;
    if (result.workflowId !== fixture.workflowId) throw new Error(`replay results out of order: ${result.workflowId} for ${fixture.branch}`);
    byFile.set(fixture.file, result);
  }
  return byFile;
}

beforeAll(async () => {
  results = await replayAll(await sharedTestBundle());
}, 120_000);

describe('recorded workflow histories', () => {
  it('cover every branch', () => {
    expect(fixtures.map((f) => f.branch).sort()).toEqual(expect.arrayContaining([...REQUIRED_BRANCHES].sort()));
  });

  it.each(fixtures.map((f) => [f.file, f] as const))('%s replays against the current workflow code', (_file, fixture) => {
    const result = results.get(fixture.file);
    expect(result, `no replay result for ${fixture.file}`).toBeDefined();
    expect(result!.error).toBeUndefined();
  });

  it.each(fixtures.map((f) => [f.file, f] as const))('%s was recorded from a run that ended as its branch says', (_file, fixture) => {
    expect(fixture.status).toBe(fixture.expected.status);
    const last = fixture.parsed.events?.at(-1)?.eventType;
    const closed = {
      COMPLETED: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
      FAILED: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
      CANCELLED: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
      CONTINUED_AS_NEW: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    };
    expect(last).toBe(closed[fixture.status as keyof typeof closed]);
  });
});

describe('the replay test itself', () => {
  it('fails on a change that would break running heals, and passes the same change behind patched()', async () => {
    const heals = fixtures.filter((f) => f.workflowType === 'healWorkflow');
    const broken = await replayAll(await bundle(path.resolve(__dirname, 'changed-workflows/unpatched.ts')), heals);
    for (const f of heals) expect(broken.get(f.file)?.error, f.file).toBeDefined();
    const patched = await replayAll(await bundle(path.resolve(__dirname, 'changed-workflows/patched.ts')), heals);
    for (const f of heals) expect(patched.get(f.file)?.error, f.file).toBeUndefined();
  }, 120_000);
});
