// One workflow bundle for every unit test file that runs workflows (the time-skipping tests, the replay test), instead
// of webpack in each: the unit project's global setup (test/unit-global-setup.ts) names a directory, and the first file
// that needs the bundle writes it there. Files running at the same time may both bundle; the rename keeps the file whole.
import { existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowBundlePath } from '@temporalio/worker';
import { writeWorkflowBundle } from '../../src/main/workflow-bundle';

/** Set by test/unit-global-setup.ts before vitest starts the test processes. */
export const UNIT_BUNDLE_DIR_ENV = 'SELFHEAL_UNIT_BUNDLE_DIR';

const srcMain = path.resolve(__dirname, '../../src/main');

/** The bundle of workflows/index, written once per test run. */
export async function sharedTestBundle(): Promise<WorkflowBundlePath> {
  const dir = process.env[UNIT_BUNDLE_DIR_ENV];
  if (!dir) throw new Error(`${UNIT_BUNDLE_DIR_ENV} is not set: run the unit tests through vitest.config.ts (its unit project's globalSetup)`);
  const codePath = path.join(dir, 'workflow-bundle.js');
  if (!existsSync(codePath)) renameSync(await writeWorkflowBundle(srcMain, `${codePath}.${process.pid}.tmp`), codePath);
  return { codePath };
}
