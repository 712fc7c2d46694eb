// Where the worker gets its workflow code. The production image bundles it once at build time
// (`node dist/src/main/workflow-bundle.js`, see the Dockerfile) into dist/workflow-bundle.js, so a worker starts
// without running webpack; a source checkout (tsx, vitest) or a plain `npm run build` has no bundle and the worker
// bundles workflows/index at start, as before. WORKFLOW_BUNDLE_PATH names a bundle explicitly: the test suite bundles
// once and hands the file to every worker it starts instead of running webpack in each.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The prebundled workflow code, next to the compiled tree: dist/workflow-bundle.js for dist/src/main/*.js. */
export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';

/** The root of the code tree this module runs from: the repository (source) or dist/ (build). */
function codeRoot(moduleDir: string): string {
  return path.join(moduleDir, '..', '..');
}

/** workflows/index.ts from a source checkout, workflows/index.js in a build. */
export function workflowsPath(moduleDir: string = __dirname): string {
  const base = path.join(codeRoot(moduleDir), 'workflows', 'index');
  const found = ['.ts', '.js'].map((ext) => base + ext).find((file) => existsSync(file));
  if (!found) throw new Error(`workflow code not found at ${base}.ts or .js`);
  return found;
}

export type WorkflowSource = { workflowBundle: { codePath: string } } | { workflowsPath: string };

/** The bundle named explicitly, else the prebundled code when the build wrote it, else the workflows to bundle at start. */
export function workflowSource(moduleDir: string = __dirname, explicitBundle?: string): WorkflowSource {
  if (explicitBundle !== undefined) {
    if (!existsSync(explicitBundle)) throw new Error(`WORKFLOW_BUNDLE_PATH: no workflow bundle at ${explicitBundle}`);
    return { workflowBundle: { codePath: explicitBundle } };
  }
  const bundle = path.join(codeRoot(moduleDir), WORKFLOW_BUNDLE_FILE);
  return existsSync(bundle) ? { workflowBundle: { codePath: bundle } } : { workflowsPath: workflowsPath(moduleDir) };
}

/** Bundles the workflows (as Worker.create would at start) and writes the bundle to `out`, by default where
 * workflowSource() finds it. */
export async function writeWorkflowBundle(moduleDir: string = __dirname, out = path.join(codeRoot(moduleDir), WORKFLOW_BUNDLE_FILE)): Promise<string> {
  // Loaded here only: webpack is heavy and the worker never needs it when a bundle exists.
  const { bundleWorkflowCode, DefaultLogger } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(moduleDir), logger: new DefaultLogger('WARN') });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, code);
  return out;
}

if (require.main === module) {
  writeWorkflowBundle().then(
    (file) => process.stdout.write(`workflow bundle written to ${file}\n`),
    (err: unknown) => {
      process.stderr.write(`workflow bundle: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
