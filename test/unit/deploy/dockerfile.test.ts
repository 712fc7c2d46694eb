// The production image (Dockerfile cannot be built here: no base image can be pulled): two stages on Node 22 LTS,
// the workflow code bundled at build time, production dependencies only at run time, a non-root user, and a build
// context that never carries secrets or a host's node_modules.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_BUNDLE_FILE } from '../../../src/main/workflow-bundle';

const repo = path.resolve(__dirname, '../../..');
const dockerfile = readFileSync(path.join(repo, 'Dockerfile'), 'utf8');
/** The Dockerfile's instructions, continuation lines joined. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const stages = instructions.reduce<string[][]>((acc, line) => {
  if (line.startsWith('FROM ')) acc.push([]);
  acc.at(-1)?.push(line);
  return acc;
}, []);
const [build, runtime] = stages as [string[], string[]];
/** dist/<path>.js for a source file, as tsconfig.build.json compiles it. */
const compiled = (source: string) => `dist/${source.replace(/\.ts$/, '.js')}`;

describe('Dockerfile', () => {
  it('has a build stage and a runtime stage, both on Node 22 LTS slim (glibc, for the Temporal core binary)', () => {
    expect(stages).toHaveLength(2);
    expect(build[0]).toBe('FROM node:22-bookworm-slim AS build');
    expect(runtime[0]).toBe('FROM node:22-bookworm-slim AS runtime');
    // package.json's engines admits the image's Node.
    const engines = (JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe('>=22');
  });

  it('compiles, then bundles the workflow code into the file the worker looks for', () => {
    const run = build.filter((line) => line.startsWith('RUN ')).join(' ');
    expect(run).toContain('npm ci');
    expect(run).toMatch(/npm run build\s+&&\s+node dist\/src\/main\/workflow-bundle\.js\s+&&\s+test -s dist\/workflow-bundle\.js/);
    expect(existsSync(path.join(repo, 'src/main/workflow-bundle.ts'))).toBe(true);
    expect(`dist/${WORKFLOW_BUNDLE_FILE}`).toBe('dist/workflow-bundle.js');
  });

  it('installs only production dependencies at run time, from the lock file, and copies the compiled code', () => {
    expect(runtime).toContain('COPY package.json package-lock.json ./');
    const run = runtime.filter((line) => line.startsWith('RUN ')).join(' ');
    expect(run).toMatch(/npm ci --omit=dev/);
    expect(runtime).toContain('COPY --from=build /app/dist dist');
    expect(runtime).not.toContain('COPY --from=build /app/node_modules node_modules');
    expect(runtime).toContain('ENV NODE_ENV=production');
  });

  it('runs as the non-root node user, the API by default', () => {
    const user = runtime.filter((line) => line.startsWith('USER '));
    expect(user).toEqual(['USER node']);
    expect(runtime.indexOf('USER node')).toBeGreaterThan(runtime.findIndex((line) => line.startsWith('RUN ')));
    expect(runtime.at(-1)).toBe(`CMD ["node", "${compiled('src/main/api.ts')}"]`);
    expect(existsSync(path.join(repo, 'src/main/api.ts'))).toBe(true);
    expect(existsSync(path.join(repo, 'src/main/worker.ts'))).toBe(true);
  });

  it('keeps secrets, state and host dependencies out of the build context', () => {
    const ignored = readFileSync(path.join(repo, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['secrets', 'node_modules', '.services', '.env', '.git', 'dist']) expect(ignored, entry).toContain(entry);
  });
});
