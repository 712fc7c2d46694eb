// The unit project's global setup: a directory for the workflow bundle its workflow tests share
// (test/helpers/workflow-bundle.ts), set before vitest starts the test processes, which inherit it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UNIT_BUNDLE_DIR_ENV } from './helpers/workflow-bundle';

export default function setup(): () => void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'selfheal-unit-'));
  process.env[UNIT_BUNDLE_DIR_ENV] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
