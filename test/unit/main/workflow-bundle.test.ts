// The worker's workflow code: the prebundled file when the build wrote one (the production image), else the
// workflows to bundle at start (a source checkout, or a build without the bundle step).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WORKFLOW_BUNDLE_FILE, workflowSource, workflowsPath, writeWorkflowBundle } from '../../../src/main/workflow-bundle';

const repo = path.resolve(__dirname, '../../..');
const work = mkdtempSync(path.join(os.tmpdir(), 'selfheal-workflow-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A code tree like dist/: <root>/src/main (where worker.js runs) and <root>/workflows. */
function tree(name: string, index: string | null): { root: string; moduleDir: string } {
  const root = path.join(work, name);
  const moduleDir = path.join(root, 'src', 'main');
  mkdirSync(moduleDir, { recursive: true });
  mkdirSync(path.join(root, 'workflows'), { recursive: true });
  if (index !== null) writeFileSync(path.join(root, 'workflows', index), '');
  return { root, moduleDir };
}

describe('workflowSource', () => {
  it('bundles workflows/index.ts at start in a source checkout, which has no bundle', () => {
    expect(existsSync(path.join(repo, WORKFLOW_BUNDLE_FILE))).toBe(false);
    expect(workflowSource(path.join(repo, 'src', 'main'))).toEqual({ workflowsPath: path.join(repo, 'workflows', 'index.ts') });
  });

  it('bundles workflows/index.js at start in a build without the bundle', () => {
    const { root, moduleDir } = tree('plain-build', 'index.js');
    expect(workflowSource(moduleDir)).toEqual({ workflowsPath: path.join(root, 'workflows', 'index.js') });
  });

  it('uses the prebundled code when the build wrote it', () => {
    const { root, moduleDir } = tree('image-build', 'index.js');
    writeFileSync(path.join(root, WORKFLOW_BUNDLE_FILE), '// bundle');
    expect(workflowSource(moduleDir)).toEqual({ workflowBundle: { codePath: path.join(root, WORKFLOW_BUNDLE_FILE) } });
  });

  it('uses the bundle WORKFLOW_BUNDLE_PATH names, over the build\'s own', () => {
    const { root, moduleDir } = tree('named-bundle', 'index.js');
    writeFileSync(path.join(root, WORKFLOW_BUNDLE_FILE), '// bundle');
    const named = path.join(root, 'elsewhere.js');
    writeFileSync(named, '// named bundle');
    expect(workflowSource(moduleDir, named)).toEqual({ workflowBundle: { codePath: named } });
  });

  it('refuses a WORKFLOW_BUNDLE_PATH with no file, naming it', () => {
    const { root, moduleDir } = tree('named-missing', 'index.js');
    expect(() => workflowSource(moduleDir, path.join(root, 'missing.js'))).toThrow(`WORKFLOW_BUNDLE_PATH: no workflow bundle at ${path.join(root, 'missing.js')}`);
  });

  it('names the missing workflow code', () => {
    const { root, moduleDir } = tree('empty', null);
    expect(() => workflowsPath(moduleDir)).toThrow(`workflow code not found at ${path.join(root, 'workflows', 'index')}.ts or .js`);
  });
});

describe('writeWorkflowBundle', () => {
  it('bundles the real workflows into the file workflowSource then picks', { timeout: 120_000 }, async () => {
    const { root, moduleDir } = tree('bundled', null);
    // The tree's workflows are the repository's, so the bundle is built from the real code and its imports; the SDK
    // resolves its own runtime from the tree, as from dist/ in the image.
    symlinkSync(path.join(repo, 'node_modules'), path.join(root, 'node_modules'));
    writeFileSync(path.join(root, 'workflows', 'index.ts'), `export * from ${JSON.stringify(path.join(repo, 'workflows', 'index'))};\n`);
    const file = await writeWorkflowBundle(moduleDir);
    expect(file).toBe(path.join(root, WORKFLOW_BUNDLE_FILE));
    const code = readFileSync(file, 'utf8');
    for (const workflow of ['analyzeWorkflow', 'healWorkflow', 'releaseBackpressureWorkflow']) expect(code).toContain(workflow);
    // The SDK's workflow runtime is inside: the worker needs nothing else at start.
    expect(code).toContain('@temporalio/workflow');
    expect(workflowSource(moduleDir)).toEqual({ workflowBundle: { codePath: file } });
  });
});
