// The safety envelope on the real stack: one heal at a time per service (409), cooldown per service and strategy,
// the budget of applied heals, the blast radius, the circuit breaker that hands the next heal to a person, and bad
// input. Every refusal is explained in the response and recorded as a refused attempt, never as a strategy failure.
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueControl } from '../../src/main/adapters';
import { createServiceContainer } from '../helpers/containers';
import { auditOf, cleanUpService, hasStep, healBody, waitForHeal } from '../helpers/heal';
import { startHttpTarget, type HttpTarget } from '../helpers/http-target';
import { deleteTopology } from '../helpers/rabbitmq';
import { startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
/** Same services, with a budget of one applied heal per 10 minutes. */
let budgetStack: TestStack;
let driver: Driver;
let http: HttpTarget;
const services: string[] = [];
const queues: string[] = [];

function newService(): string {
  const service = `safe-${randomUUID().slice(0, 8)}`;
  services.push(service);
  return service;
}

async function newQueue(): Promise<string> {
  const name = `selfheal-test-safe-${randomUUID().slice(0, 8)}`;
  const connection = await amqp.connect(stack.config.rabbitmq.url);
  await (await connection.createChannel()).assertQueue(name, { durable: false });
  await connection.close();
  queues.push(name);
  return name;
}

/** A backpressure heal verified (or failed) by the local probe: the quickest applied heal there is. */
async function backpressureHeal(on: TestStack, service: string) {
  const body = healBody(service, 'apply_backpressure', { context: { services: [service], queues: [await newQueue()] }, verify: [{ name: 'http_probe', params: { url: http.url(service) } }] });
  const res = await on.call('POST', '/api/self_healing/heal', body);
  expect(res.status).toBe(202);
  return waitForHeal(on, res.body.workflow_id);
}

/** The refusal is in the response and in the audit, and the learner saw neither a choice nor an outcome. */
async function expectRefused(res: { status: number; body: any }, check: string) {
  expect(res.status).toBe(422);
  expect(res.body).toMatchObject({ error: 'heal_refused', status: 'refused' });
  expect(res.body.reasons.some((r: string) => r.startsWith(`${check}: `))).toBe(true);
  expect(res.body.message).toContain(check);
  const done = await waitForHeal(stack, res.body.workflow_id);
  const audit = await auditOf(driver, done.attempt_id);
  expect(audit.attempt).toMatchObject({ outcome: 'refused', applied: false });
  expect(audit.attempt.reasons).toEqual(res.body.reasons);
  expect(audit.outcome).toBeNull();
  const { records } = await driver.executeQuery('MATCH (c:StrategyChoice {attemptId: $id}) RETURN count(c) AS n', { id: done.attempt_id });
  expect(records[0]!.get('n').toNumber()).toBe(0);
}

beforeAll(async () => {
  http = await startHttpTarget();
  const common = { VERIFY_HTTP_ALLOWLIST: http.prefix, VERIFY_ATTEMPTS: '2', CIRCUIT_BREAKER_FAILURES: '2' };
  [stack, budgetStack] = await Promise.all([
    startTestStack({ ...common }),
    startTestStack({ ...common, HEAL_BUDGET_MAX: '1', HEAL_BUDGET_WINDOW_SECONDS: '600' }),
  ]);
  driver = neo4j.driver(stack.config.neo4j.uri);
});

afterAll(async () => {
  const control = queueControl(stack.config);
  for (const q of queues) await control.releaseBackpressure(q);
  await deleteTopology([], queues);
  for (const service of services) await cleanUpService(driver, service);
  await driver?.close();
  await Promise.all([stack?.stop(), budgetStack?.stop()]);
  await http?.close();
});

describe.concurrent('the safety envelope', () => {
  it('a second apply on a service while one runs is a 409 naming the running heal; reject ends the first', async () => {
    const service = newService();
    const c = await createServiceContainer(service);
    const body = healBody(service, 'rolling_restart', { require_approval: true, context: { services: [service], containers: [c.name] } });
    const first = await stack.call('POST', '/api/self_healing/heal', body);
    expect(first.status).toBe(202);
    expect(first.body.status).toBe('awaiting_approval');
    const second = await stack.call('POST', '/api/self_healing/heal', body);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ error: 'conflict', running_workflow_id: first.body.workflow_id, running_run_id: first.body.run_id });
    expect(second.body.message).toContain(`a heal of ${service} is already running`);

    const rejected = await stack.call('POST', `/api/self_healing/heal/${first.body.workflow_id}/reject`, { comment: 'not now' });
    expect(rejected.status).toBe(200);
    const done = await waitForHeal(stack, first.body.workflow_id);
    expect(done.outcome).toBe('rejected');
    const late = await stack.call('POST', `/api/self_healing/heal/${first.body.workflow_id}/approve`, {});
    expect(late.status).toBe(409);
    expect((await auditOf(driver, done.attempt_id)).outcome).toBeNull();
  });

  it('refuses the same strategy on the same service within its cooldown; another strategy may still run', async () => {
    const service = newService();
    expect((await backpressureHeal(stack, service)).outcome).toBe('verified');
    const again = healBody(service, 'apply_backpressure', { context: { services: [service], queues: [await newQueue()] }, verify: [{ name: 'http_probe', params: { url: http.url(service) } }] });
    await expectRefused(await stack.call('POST', '/api/self_healing/heal', again), 'cooldown');
    const c = await createServiceContainer(service);
    const other = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'rolling_restart', { dry_run: true, context: { services: [service], containers: [c.name] } }));
    expect(other.body.plan.safety_checks.find((s: { name: string }) => s.name === 'cooldown')).toMatchObject({ passed: true });
  });

  it('refuses once the budget of applied heals in the window is spent', async () => {
    expect((await backpressureHeal(stack, newService())).outcome).toBe('verified');
    const service = newService();
    const body = healBody(service, 'apply_backpressure', { context: { services: [service], queues: [await newQueue()] }, verify: [{ name: 'http_probe', params: { url: http.url(service) } }] });
    const res = await budgetStack.call('POST', '/api/self_healing/heal', body);
    await expectRefused(res, 'budget');
    expect(res.body.reasons.find((r: string) => r.startsWith('budget'))).toMatch(/applied heal\(s\) in the last 600s, budget 1$/);
  });

  it('refuses a heal touching more than the strategy’s blast radius', async () => {
    const service = newService();
    const c = await createServiceContainer(service);
    const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'scale_service', { replicas: 3, context: { services: [service], containers: [c.name] } }));
    await expectRefused(res, 'blast_radius');
    expect(res.body.reasons).toContain('blast_radius: 3 container(s), replica(s) or queue(s) touched, limit 2');
  });

  it('after K failed heals of a service, the next one waits for a person, and an approval lets it run', async () => {
    const service = newService();
    const c = await createServiceContainer(service);
    http.answer(service, 500);
    expect((await backpressureHeal(stack, service)).outcome).toBe('rolled_back');
    const scale = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'scale_service', { context: { services: [service], containers: [c.name] }, verify: [{ name: 'http_probe', params: { url: http.url(service) } }] }));
    expect((await waitForHeal(stack, scale.body.workflow_id)).outcome).toBe('rolled_back');
    http.answer(service, 200);
    const gated = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'rolling_restart', { context: { services: [service], containers: [c.name] }, verify: [{ name: 'container_health' }] }));
    expect(gated.status).toBe(202);
    expect(gated.body.status).toBe('awaiting_approval');
    expect(gated.body.plan.approval_reasons).toContain(`circuit breaker open: 2 failed heal(s) of ${service} in a row; a person must approve`);
    await waitForHeal(stack, gated.body.workflow_id, hasStep('approval_requested'));
    // The circuit breaker's approval always needs a second person (four eyes).
    const approved = await stack.call('POST', `/api/self_healing/heal/${gated.body.workflow_id}/approve`, { comment: 'checked by hand' }, 'operator', 'second-operator');
    expect(approved.status).toBe(200);
    expect((await waitForHeal(stack, gated.body.workflow_id)).outcome).toBe('verified');
  });
});

describe.concurrent('bad input', () => {
  it('unknown containers, containers of another service and services outside the context are refused with a 422', async () => {
    const service = newService();
    const other = newService();
    const mine = await createServiceContainer(service);
    const theirs = await createServiceContainer(other);
    const ctx = (containers: string[], services = [service]) => ({ context: { services, containers } });
    await expectRefused(await stack.call('POST', '/api/self_healing/heal', healBody(service, 'rolling_restart', ctx(['selfheal-no-such-container']))), 'containers_exist');
    await expectRefused(await stack.call('POST', '/api/self_healing/heal', healBody(service, 'rolling_restart', ctx([mine.name, theirs.name]))), 'containers_of_service');
    await expectRefused(await stack.call('POST', '/api/self_healing/heal', healBody(service, 'scale_service', ctx([mine.name], [other]))), 'service_allowed');
  });

  it('unknown verifiers, bad verifier parameters and unknown strategies are a 400 naming the field', async () => {
    const service = newService();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ verify: [{ name: 'eval_js', params: {} }] }, 'verify.0.name', 'container_health, http_probe, metric_recheck, all, any'],
      [{ verify: [{ name: 'http_probe', params: { url: http.url(service), timeout_ms: 5 } }] }, 'verify.0.params.timeout_ms', 'must be >= 100'],
      [{ verify: [{ name: 'http_probe', params: { url: 'http://10.1.2.3/health' } }] }, 'verify.0', 'is not under an allowed prefix'],
      [{ verify: [{ name: 'any', params: { verifiers: [{ name: 'metric_recheck', params: { metrics: [] } }] } }] }, 'verify.0.params.verifiers.0.params.metrics', 'fewer than 1'],
      [{ strategy: 'reboot_everything' }, 'strategy', 'restart_unhealthy'],
    ];
    for (const [extra, field, reason] of cases) {
      const res = await stack.call('POST', '/api/self_healing/heal', healBody(service, 'rolling_restart', { context: { services: [service] }, ...extra }));
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.body.field).toBe(field);
      expect(res.body.message).toContain(reason);
    }
  });
});
