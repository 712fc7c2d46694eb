// analyze, heal (dry run), strategies and learning as child processes against a running API on the real stack.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceContainer, makeUnhealthy, removeContainers, startedAt } from '../../helpers/containers';
import { startTestStack, type TestStack } from '../../helpers/stack';
import { runCli } from './run-cli';

const service = `cli-${randomUUID().slice(0, 8)}`;
const dir = mkdtempSync(path.join(tmpdir(), 'selfheal-cli-'));
let stack: TestStack;
let container: { name: string };
let api: Record<string, string>;

beforeAll(async () => {
  // Analyses wait up to a minute: these tests are about behaviour, and the shared machine may be busy.
  stack = await startTestStack({ ANALYZE_TIMEOUT_MS: '60000' });
  container = await createServiceContainer(service);
  api = { SELFHEAL_URL: stack.baseUrl, SELFHEAL_TOKEN: stack.token('operator', 'cli-tester') };
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await removeContainers({ label: `selfheal.service=${service}` });
  await stack?.stop();
});

function file(name: string, content: unknown): string {
  const at = path.join(dir, name);
  writeFileSync(at, typeof content === 'string' ? content : JSON.stringify(content));
  return at;
}

describe('selfheal analyze, heal, strategies, learning', () => {
  let analysisFile: string;

  it('analyze takes metrics from flags and prints the anomalies and the diagnosis', async () => {
    for (const errorRate of ['0.010', '0.011', '0.009', '0.012']) {
      const warmup = await runCli(['analyze', '--service', service, '--metric', `error_rate=${errorRate}`, '--metric', 'latency_p95=210'], api);
      expect(warmup.code, warmup.stderr).toBe(0);
    }
    const { code, stdout } = await runCli(['analyze', '--service', service, '--metric', 'error_rate=0.4', '--metric', 'latency_p95=212'], api);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^${service} at .*: 1 anomaly$`, 'm'));
    expect(stdout).toMatch(/^ {2}high +error_rate +0\.4 /m);
    expect(stdout).toContain('diagnosis: degradation');
    expect(stdout).toContain('recommended strategies: restart_unhealthy');
    const snapshots = await stack.call('GET', `/api/self_healing/snapshots?service=${service}`, undefined, 'viewer');
    expect(snapshots.body.items).toHaveLength(5);
    expect(snapshots.body.items.every((s: { actor: string }) => s.actor === 'cli-tester')).toBe(true);
  });

  it('analyze --json reads a metrics file and a context file and prints the API answer as JSON', async () => {
    const metrics = file('metrics.json', { error_rate: 0.5, latency_p95: 211 });
    const context = file('context.json', { services: [service], containers: [container.name] });
    analysisFile = path.join(dir, 'analysis.json');
    const { code, stdout } = await runCli(['analyze', '--file', metrics, '--context-file', context, '--json'], api);
    expect(code).toBe(0);
    writeFileSync(analysisFile, stdout);
    const result = JSON.parse(stdout);
    expect(result.service).toBe(service);
    expect(result.anomalies.map((a: { metric: string }) => a.metric)).toEqual(['error_rate']);
    expect(result.diagnosis.impacted_components).toContain(service);
  });

  it('heal is a dry run by default: prints the plan from an analysis file and changes nothing', async () => {
    await makeUnhealthy(container.name);
    const before = await startedAt(container.name);
    const { code, stdout } = await runCli(['heal', '--diagnosis-file', analysisFile, '--service', service, '--container', container.name, '--strategy', 'restart_unhealthy'], api);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^dry run heal-dryrun-${service}-\\S+: planned$`, 'm'));
    expect(stdout).toContain(`1. restart_container container:${container.name}`);
    expect(stdout).toMatch(/^safety checks: all \d+ passed$/m);
    expect(stdout).toMatch(/^temporal: http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\/heal-dryrun-/m);
    expect(await startedAt(container.name)).toBe(before);
  });

  it('heal diagnoses first when given metrics, and --json prints the API answer', async () => {
    const { code, stdout, stderr } = await runCli(
      ['heal', '--service', service, '--metric', 'error_rate=0.45', '--container', container.name, '--strategy', 'restart_unhealthy', '--json'],
      api,
    );
    expect(code).toBe(0);
    expect(stderr).toMatch(/diagnosed degradation from a fresh analysis \(analyze-/);
    const answer = JSON.parse(stdout);
    expect(answer).toMatchObject({ dry_run: true, status: 'planned', plan: { strategy: 'restart_unhealthy', service } });
  });

  it('a heal the safety envelope refuses exits 3 with the reasons', async () => {
    const { code, stdout } = await runCli(['heal', '--diagnosis-file', analysisFile, '--service', service, '--container', 'not-allowed-container', '--strategy', 'restart_unhealthy', '--apply'], api);
    expect(code).toBe(3);
    expect(stdout).toMatch(/: refused \(heal refused by the safety envelope: /);
    expect(stdout).toContain('safety checks failed:');
  });

  it('strategies lists the library, as a table or as JSON', async () => {
    const table = await runCli(['strategies'], api);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^STRATEGY +RISK +APPROVAL +BLAST RADIUS +COOLDOWN +ACTIONS$/);
    expect(table.stdout).toMatch(/^restart_unhealthy +low +no +\d+ +\d+s +restart_container$/m);
    const json = await runCli(['strategies', '--json'], api);
    expect(JSON.parse(json.stdout).map((s: { name: string }) => s.name)).toContain('rolling_restart');
  });

  it('learning shows the posteriors with their interval, and mints a local token when given none', async () => {
    const { code, stdout } = await runCli(['learning', '--url', stack.baseUrl]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^ISSUE TYPE +STRATEGY +SUCCESSES +MEAN +90% INTERVAL +0 \.\.\. 1 +LAST USED$/);
    const json = JSON.parse((await runCli(['learning', '--json', '--url', stack.baseUrl])).stdout);
    const api = (await stack.call('GET', '/api/self_healing/learning', undefined, 'viewer')).body.stats;
    expect(json.map((s: { strategy: string; issue_type: string }) => `${s.strategy}/${s.issue_type}`).sort()).toEqual(
      api.map((s: { strategy: string; issue_type: string }) => `${s.strategy}/${s.issue_type}`).sort(),
    );
    for (const s of json) expect(stdout).toMatch(new RegExp(`^${s.issue_type} +${s.strategy} +${s.successes}/${s.attempts} .*\\[[.=●]{20}\\]`, 'm'));
  });

  it('a token the API refuses is an error naming the status (exit 1)', async () => {
    const { code, stderr } = await runCli(['strategies', '--token', 'not.a.token'], { SELFHEAL_URL: stack.baseUrl });
    expect(code).toBe(1);
    expect(stderr).toContain('GET /api/self_healing/strategies: 401 invalid token');
  });
});
