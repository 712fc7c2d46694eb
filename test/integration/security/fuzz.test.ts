// Schemathesis against the real running API (scripts/fuzz.sh): thousands of generated requests, valid and invalid,
// with an operator token, so dry runs and applies alike; zero 5xx and zero failed checks (undocumented status codes,
// responses that break their schema, invalid data accepted, auth ignored...). Applies are safe to fuzz: each request's
// allowlist and the heal budget (HEAL_BUDGET_MAX=1 here) bound them, and a bystander container proves nothing
// outside the allowlist was touched.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../helpers/stack';
import { createServiceContainer, docker, removeContainers } from '../../helpers/containers';

const repo = path.resolve(__dirname, '../../..');
const bystanderService = `fuzz-bystander-${randomUUID().slice(0, 8)}`;
let stack: TestStack;
let bystander: { id: string };

beforeAll(async () => {
  // The fuzzer sends a few thousand requests a minute with one token: the rate limit would answer most of them.
  stack = await startTestStack({ RATE_LIMIT_MAX: '1000000', HEAL_BUDGET_MAX: '1', ANALYZE_TIMEOUT_MS: '30000' });
  bystander = await createServiceContainer(bystanderService);
});

afterAll(async () => {
  await removeContainers({ label: `selfheal.service=${bystanderService}` });
  await stack?.stop();
});

function fuzz(out: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('bash', ['scripts/fuzz.sh', stack.baseUrl, stack.token('operator', 'fuzzer'), out], { cwd: repo, timeout: 1_200_000, maxBuffer: 64 * 1024 * 1024 }, (_err, stdout, stderr) =>
      resolve({ code: child.exitCode, output: `${stdout}${stderr}` }),
    );
  });
}

interface HarEntry {
  request: { method: string; url: string };
  response: { status: number };
}

describe('fuzzing the API with schemathesis', () => {
  it('sends at least 1,000 requests and gets no 5xx and no failed check', async () => {
    const state = async () => (await docker.getContainer(bystander.id).inspect()).State;
    const before = await state();
    const out = mkdtempSync(path.join(tmpdir(), 'selfheal-fuzz-'));
    const started = Date.now();
    const { code, output } = await fuzz(out);
    const seconds = (Date.now() - started) / 1000;
    expect(code, output.slice(-6000)).toBe(0);

    const entries = (JSON.parse(readFileSync(path.join(out, 'fuzz.har'), 'utf8')) as { log: { entries: HarEntry[] } }).log.entries;
    const byClass = entries.reduce<Record<string, number>>((acc, e) => ({ ...acc, [`${Math.floor(e.response.status / 100)}xx`]: (acc[`${Math.floor(e.response.status / 100)}xx`] ?? 0) + 1 }), {});
    const summary = output.match(/Test cases:\s*\n\s*(.+)/)?.[1] ?? '';
    console.info(`fuzz: ${entries.length} requests in ${seconds.toFixed(0)} s, by status ${JSON.stringify(byClass)}; schemathesis: ${summary}; report ${out}`);
    expect(entries.length).toBeGreaterThanOrEqual(1000);
    expect(entries.filter((e) => e.response.status >= 500).map((e) => `${e.request.method} ${e.request.url} ${e.response.status}`)).toEqual([]);
    expect(output).toMatch(/No issues found/);

    const after = await state();
    expect({ startedAt: after.StartedAt, status: after.Status, paused: after.Paused }).toEqual({ startedAt: before.StartedAt, status: before.Status, paused: before.Paused });
  }, 1_500_000);
});
