// GET /strategies and GET /learning through the real API, with outcomes and choices recorded in the real Neo4j.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNeo4j, type Neo4jStores } from '../../../src/main/adapters';
import { betaQuantile } from '../../../src/domain/learning';
import { startTestStack, type TestStack } from '../../helpers/stack';

let stack: TestStack;
let neo4j: Neo4jStores;
const issueType = `test_issue_${randomUUID().slice(0, 8)}`;
const now = Date.now();

beforeAll(async () => {
  stack = await startTestStack();
  neo4j = await openNeo4j(stack.config);
  // 45 of 50 for one strategy, 1 of 1 for another: the learner must not prefer the lucky one.
  for (let i = 0; i < 50; i++) {
    await neo4j.learning.recordOutcome({ attemptId: `${issueType}-a-${i}`, issueType, strategy: 'scale_service', success: i < 45, at: now - 60_000 });
  }
  await neo4j.learning.recordOutcome({ attemptId: `${issueType}-b`, issueType, strategy: 'restart_unhealthy', success: true, at: now - 1000 });
  await neo4j.learning.recordChoice({ attemptId: `${issueType}-b`, issueType, strategy: 'restart_unhealthy', at: now - 1000 });
});

afterAll(async () => {
  await neo4j?.connection.driver.executeQuery('MATCH (n) WHERE (n:StrategyOutcome OR n:StrategyChoice) AND n.issueType = $t DETACH DELETE n', { t: issueType });
  await neo4j?.connection.driver.executeQuery('MATCH (a:HealingAttempt) WHERE a.id STARTS WITH $t DETACH DELETE a', { t: issueType });
  await neo4j?.close();
  await stack?.stop();
});

describe('GET /api/self_healing/strategies', () => {
  it('lists every strategy with its actions, inverses, preconditions, risk, blast radius and cooldown', async () => {
    const res = await stack.call('GET', '/api/self_healing/strategies', undefined, 'viewer');
    expect(res.status).toBe(200);
    const names = res.body.strategies.map((s: { name: string }) => s.name);
    expect(names).toEqual(expect.arrayContaining(['restart_unhealthy', 'scale_service', 'apply_backpressure', 'rolling_restart']));
    const scale = res.body.strategies.find((s: { name: string }) => s.name === 'scale_service');
    expect(scale).toMatchObject({ risk: 'medium', blast_radius: expect.any(Number), cooldown_seconds: expect.any(Number), requires_approval: false });
    expect(scale.actions[0]).toMatchObject({ kind: 'scale_up', inverse: 'remove_replicas' });
    expect(scale.preconditions[0]).toMatchObject({ field: 'services', rule: 'non_empty' });
  });

  it('needs a token', async () => {
    const res = await fetch(`${stack.baseUrl}/api/self_healing/strategies`);
    expect(res.status).toBe(401);
  });
});

describe('GET /api/self_healing/learning', () => {
  it('reports attempts, successes, posterior mean, 90% interval, last use and choices per strategy and issue type', async () => {
    const res = await stack.call('GET', '/api/self_healing/learning', undefined, 'viewer');
    expect(res.status).toBe(200);
    const rows = res.body.stats.filter((r: { issue_type: string }) => r.issue_type === issueType);
    const scale = rows.find((r: { strategy: string }) => r.strategy === 'scale_service');
    const restart = rows.find((r: { strategy: string }) => r.strategy === 'restart_unhealthy');
    expect(scale).toMatchObject({ attempts: 50, successes: 45, chosen_count: 0 });
    expect(restart).toMatchObject({ attempts: 1, successes: 1, chosen_count: 1, last_used: now - 1000 });
    // Beta(1 + 45, 1 + 5) with negligible discounting over a minute: mean 46/52.
    expect(scale.posterior_mean).toBeCloseTo(46 / 52, 2);
    expect(scale.credible_interval_90[0]).toBeCloseTo(betaQuantile(0.05, 46, 6), 2);
    expect(scale.credible_interval_90[1]).toBeCloseTo(betaQuantile(0.95, 46, 6), 2);
    // One lucky success has a wide interval whose lower end sits far below the well-tried strategy's.
    expect(restart.credible_interval_90[0]).toBeLessThan(scale.credible_interval_90[0]);
    expect(restart.credible_interval_90[1] - restart.credible_interval_90[0]).toBeGreaterThan(0.5);
  });
});
