// Thompson selection end to end: no strategy is named, so the heal workflow's planning activity chooses among the
// diagnosis's recommendations from what applied heals taught it. An issue type of its own (from a rules file) keeps
// the shared database's other outcomes out. First real heals teach it: restart_unhealthy heals that verify, and
// rolling_restart heals whose verification fails. Then heals that name no strategy follow the
// learned outcomes, though the diagnosis recommends rolling_restart first.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceContainer, makeUnhealthy } from '../helpers/containers';
import { cleanUpService, healBody, waitForHeal } from '../helpers/heal';
import { startHttpTarget, type HttpTarget } from '../helpers/http-target';
import { startTestStack, type TestStack } from '../helpers/stack';

const issueType = `learned_${randomUUID().slice(0, 8)}`;
const services: string[] = [];
let stack: TestStack;
let driver: Driver;
let http: HttpTarget;

function newService(): string {
  const service = `select-${randomUUID().slice(0, 8)}`;
  services.push(service);
  return service;
}

/** A heal body whose diagnosis is of the test's own issue type, recommending rolling_restart first. */
function body(service: string, containers: string[], extra: Record<string, unknown>) {
  const base = healBody(service, 'restart_unhealthy', { context: { services: [service], containers }, ...extra });
  const { strategy: _named, ...unnamed } = base;
  return {
    ...unnamed,
    issue: { diagnosis: { ...base.issue.diagnosis, issue_type: issueType, recommended_strategies: ['rolling_restart', 'restart_unhealthy'] } },
  };
}

beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'selfheal-rules-'));
  const rules = path.join(dir, 'rules.yaml');
  writeFileSync(
    rules,
    `rules:\n  - id: ${issueType}\n    description: the selection test's own issue type\n    predicate:\n      all:\n        - anomaly: { metric: "selection_probe", direction: above }\n    outcome:\n      issue_type: ${issueType}\n      root_cause: test\n      confidence: 0.5\n      impacted_components: [services]\n      recommended_strategies: [rolling_restart, restart_unhealthy]\n`,
  );
  http = await startHttpTarget();
  stack = await startTestStack({ RULES_FILE: rules, VERIFY_HTTP_ALLOWLIST: http.prefix, VERIFY_ATTEMPTS: '3' });
  driver = neo4j.driver(stack.config.neo4j.uri);
});

afterAll(async () => {
  for (const service of services) await cleanUpService(driver, service);
  await driver?.executeQuery('MATCH (o:StrategyOutcome {issueType: $issueType}) DETACH DELETE o', { issueType });
  await driver?.executeQuery('MATCH (c:StrategyChoice {issueType: $issueType}) DETACH DELETE c', { issueType });
  await driver?.close();
  await stack?.stop();
  await http?.close();
});

/** One applied heal naming `strategy` on an unhealthy container of a new service; `verifies` decides its outcome. */
async function teach(strategy: string, verifies: boolean): Promise<string | null> {
  const service = newService();
  const container = await createServiceContainer(service);
  await makeUnhealthy(container.name);
  if (!verifies) http.answer(service, 500);
  const res = await stack.call('POST', '/api/self_healing/heal', { ...body(service, [container.name], { verify: [{ name: 'http_probe', params: { url: http.url(service) } }] }), strategy });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body.plan.selection.method).toBe('explicit');
  const done = await waitForHeal(stack, res.body.workflow_id, undefined, 120_000);
  return done.outcome;
}

describe('Thompson selection through the heal workflow', () => {
  it('learns from applied heals, then chooses the strategy that worked when none is named', async () => {
    const outcomes = await Promise.all([
      ...[0, 1, 2].map(() => teach('restart_unhealthy', true)),
      ...[0, 1, 2].map(() => teach('rolling_restart', false)),
    ]);
    // A restart has nothing to undo: a rolling restart that fails verification ends 'failed', which the learner counts.
    expect(outcomes).toEqual(['verified', 'verified', 'verified', 'failed', 'failed', 'failed']);
    const learning = await stack.call('GET', '/api/self_healing/learning', undefined, 'viewer');
    expect(learning.status).toBe(200);
    const learned = (learning.body.stats as { strategy: string; issue_type: string; attempts: number; successes: number }[])
      .filter((s) => s.issue_type === issueType)
      .map(({ strategy, attempts, successes }) => ({ strategy, attempts, successes }))
      .sort((a, b) => a.strategy.localeCompare(b.strategy));
    expect(learned).toEqual([
      { strategy: 'restart_unhealthy', attempts: 3, successes: 3 },
      { strategy: 'rolling_restart', attempts: 3, successes: 0 },
    ]);

    // Dry runs name no strategy: each is a fresh Thompson draw in the planning activity, recorded in the plan.
    const service = newService();
    const container = await createServiceContainer(service);
    await makeUnhealthy(container.name);
    const chosen: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await stack.call('POST', '/api/self_healing/heal', { ...body(service, [container.name], {}), dry_run: true });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const { selection } = res.body.plan;
      expect(selection.method).toBe('thompson');
      expect([...selection.candidates].sort()).toEqual(['restart_unhealthy', 'rolling_restart']);
      const mean = (s: string) => selection.samples.find((x: { strategy: string }) => x.strategy === s).posteriorMean as number;
      // The posterior means are deterministic: three verified heals against three rolled back.
      expect(mean('restart_unhealthy')).toBeGreaterThan(0.6);
      expect(mean('rolling_restart')).toBeLessThan(0.4);
      chosen.push(res.body.plan.strategy);
    }
    // Each draw picks the worse strategy with a probability of a few percent: 7 of 12 leaves a margin of many sigmas.
    expect(chosen.filter((s) => s === 'restart_unhealthy').length).toBeGreaterThanOrEqual(7);
  });
});
