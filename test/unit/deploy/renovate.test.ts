// renovate.json: every dependency pinned and updated by a reviewed pull request on a schedule, the Temporal SDK and
// Fastify each in one group, Temporal's server images one minor at a time. Checked against package.json and
// docker-compose.yml, so a new @temporalio or @fastify package, or a compose image Renovate cannot see, fails here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '../../..');
interface Rule {
  matchManagers?: string[];
  matchDatasources?: string[];
  matchPackageNames?: string[];
  groupName?: string;
  separateMultipleMinor?: boolean;
  enabled?: boolean;
  matchUpdateTypes?: string[];
  dependencyDashboardApproval?: boolean;
}
const renovate = JSON.parse(readFileSync(path.join(repo, 'renovate.json'), 'utf8')) as {
  extends: string[];
  schedule: string[];
  rangeStrategy: string;
  automerge: boolean;
  packageRules: Rule[];
};
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const packages = { ...pkg.dependencies, ...pkg.devDependencies };
const compose = readFileSync(path.join(repo, 'docker-compose.yml'), 'utf8');

/** Renovate's package-name patterns: exact names, globs (`**` any characters) and /regex/. */
function matches(pattern: string, name: string): boolean {
  if (pattern.startsWith('/') && pattern.endsWith('/')) return new RegExp(pattern.slice(1, -1)).test(name);
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '.*').replace(/(?<!\.)\*/g, '[^/]*');
  return new RegExp(`^${regex}$`).test(name);
}
const groupOf = (manager: string, name: string): string | undefined =>
  renovate.packageRules.find((r) => r.groupName && (r.matchManagers ?? [manager]).includes(manager) && (r.matchPackageNames ?? []).some((p) => matches(p, name)))?.groupName;

describe('renovate.json', () => {
  it('opens pull requests on a schedule, never merges by itself, and pins exact versions', () => {
    expect(renovate.extends).toContain('config:recommended');
    expect(renovate.schedule.length).toBeGreaterThan(0);
    expect(renovate.automerge).toBe(false);
    expect(renovate.rangeStrategy).toBe('pin');
    // As the project does: every dependency at an exact version.
    for (const [name, version] of Object.entries(packages)) expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('groups every Temporal SDK package together and every Fastify package together', () => {
    const temporal = Object.keys(packages).filter((n) => n.startsWith('@temporalio/'));
    const fastify = Object.keys(packages).filter((n) => n === 'fastify' || n === 'fastify-plugin' || n.startsWith('@fastify/'));
    expect(temporal.length).toBeGreaterThanOrEqual(5);
    expect(fastify.length).toBeGreaterThanOrEqual(8);
    for (const name of temporal) expect(groupOf('npm', name), name).toBe('Temporal TypeScript SDK');
    for (const name of fastify) expect(groupOf('npm', name), name).toBe('Fastify');
    // And nothing else lands in them.
    for (const name of ['fast-jwt', 'fast-check', 'pino', 'socket.io']) expect(groupOf('npm', name), name).toBeUndefined();
    // The SDK's packages share one version today, which the group keeps.
    expect(new Set(temporal.map((n) => packages[n])).size).toBe(1);
  });

  it("updates Temporal's server and admin-tools images together, one minor version at a time", () => {
    const rule = renovate.packageRules.find((r) => r.groupName === 'Temporal server');
    expect(rule?.separateMultipleMinor).toBe(true);
    for (const image of ['temporalio/server', 'temporalio/admin-tools']) {
      expect(groupOf('docker-compose', image), image).toBe('Temporal server');
      expect(compose).toMatch(new RegExp(`^\\s+image: ${image}:\\d+\\.\\d+\\.\\d+$`, 'm'));
    }
  });

  it('sees every image of docker-compose.yml (written out, not through YAML aliases)', () => {
    const images = [...compose.matchAll(/^\s+image:\s*(\S+)\s*$/gm)].map((m) => m[1]!);
    expect(images.length).toBeGreaterThanOrEqual(9);
    for (const image of images) expect(image, image).toMatch(/^[a-z0-9][a-z0-9./-]*:[\w.-]+$/);
  });

  it('holds majors for approval and keeps Node on LTS majors', () => {
    expect(renovate.packageRules.some((r) => r.matchUpdateTypes?.includes('major') && r.dependencyDashboardApproval === true && !r.matchPackageNames)).toBe(true);
    const node = renovate.packageRules.find((r) => r.matchDatasources?.includes('docker') && r.matchPackageNames?.includes('node')) as Rule & { allowedVersions: string };
    const allowed = new RegExp(node.allowedVersions.slice(1, -1));
    expect(allowed.test('22-bookworm-slim')).toBe(true);
    expect(allowed.test('24-bookworm-slim')).toBe(true);
    expect(allowed.test('23-bookworm-slim')).toBe(false);
    expect(allowed.test('25-bookworm-slim')).toBe(false);
  });
});
