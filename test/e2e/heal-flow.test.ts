// The vertical slice on the real stack: analyze -> heal dry run (the engine sees no change) -> heal apply (the
// container really restarts), with the audit in Neo4j, the events on RabbitMQ and on a real Socket.IO client.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import neo4j, { type Driver } from 'neo4j-driver';
import { startTestStack, type TestStack } from '../helpers/stack';
import { containerChanges, createServiceContainer, engineSnapshot, makeUnhealthy, removeContainers, startedAt, waitFor } from '../helpers/containers';
import { tapRabbit, tapSocket, type RabbitTap, type SocketTap } from '../helpers/events';

const service = `e2e-${randomUUID().slice(0, 8)}`;
let stack: TestStack;
let driver: Driver;
let rabbit: RabbitTap;
let socket: SocketTap;
let container: { name: string; id: string };

beforeAll(async () => {
  stack = await startTestStack();
  driver = neo4j.driver(stack.config.neo4j.uri);
  container = await createServiceContainer(service);
  rabbit = await tapRabbit(stack.config);
  socket = await tapSocket(stack.baseUrl, stack.token('viewer'), { service });
});

afterAll(async () => {
  socket?.close();
  await rabbit?.close();
  await removeContainers({ label: `selfheal.service=${service}` });
  await driver?.close();
  await stack?.stop();
});

describe('analyze -> heal dry run -> heal apply', () => {
  let diagnosis: Record<string, unknown>;
  let analyzeWorkflowId: string;
  const context = () => ({ services: [service], containers: [container.name] });

  it('analyze detects the spec example and diagnoses a degradation', async () => {
    const res = await stack.call('POST', '/api/self_healing/analyze', {
      metrics: { error_rate: 0.08, cpu_load: 0.92, latency_p95: 450 },
      context: context(),
    });
    expect(res.status).toBe(200);
    expect(res.body.anomalies.map((a: { metric: string }) => a.metric).sort()).toEqual(['cpu_load', 'error_rate', 'latency_p95']);
    expect(res.body.diagnosis.issue_type).toBe('degradation');
    expect(res.body.diagnosis.recommended_strategies).toContain('restart_unhealthy');
    diagnosis = res.body.diagnosis;
    analyzeWorkflowId = res.body.workflow_id;
  });

  it('a dry run returns the full plan and the Docker engine sees no change', async () => {
    await makeUnhealthy(container.name);
    const before = await engineSnapshot();
    const since = Math.floor(Date.now() / 1000);
    const res = await stack.call('POST', '/api/self_healing/heal', { issue: { diagnosis }, context: context(), strategy: 'restart_unhealthy' });
    const until = Math.ceil(Date.now() / 1000) + 1;
    expect(res.status).toBe(200);
    expect(res.body.dry_run).toBe(true);
    expect(res.body.status).toBe('planned');
    const [step] = res.body.plan.steps;
    expect(step).toMatchObject({ action: 'restart_container', target: { kind: 'container', name: container.name } });
    expect(step.expected_effect).toContain(container.name);
    expect(step.rollback).toEqual({ action: null, description: 'none needed' });
    expect(res.body.plan.safety_checks.every((c: { passed: boolean }) => c.passed)).toBe(true);
    expect(await engineSnapshot()).toEqual(before);
    expect(await containerChanges(since, until)).toEqual([]);
  });

  it('an applied heal restarts the container, verifies it and records everything', async () => {
    const startedBefore = await startedAt(container.name);
    const res = await stack.call('POST', '/api/self_healing/heal', {
      issue: { diagnosis },
      context: context(),
      dry_run: false,
      strategy: 'restart_unhealthy',
      verify: [{ name: 'container_health', params: { hold_seconds: 2 } }],
    });
    expect(res.status).toBe(202);
    const { workflow_id: workflowId, run_id: runId } = res.body;
    let status: any;
    await waitFor(
      async () => {
        status = (await stack.call('GET', `/api/self_healing/heal/${workflowId}`, undefined, 'viewer')).body;
        return status.phase === 'completed';
      },
      90_000,
      'the heal to complete',
    );
    expect(status.outcome).toBe('verified');
    expect(status.verified).toBe(true);
    expect(await startedAt(container.name)).not.toBe(startedBefore);

    // Neo4j: the attempt with its actor and every step exactly once, in order.
    const { records } = await driver.executeQuery(
      `MATCH (s:Service {name: $service})-[:HAS_ATTEMPT]->(a:HealingAttempt {id: $id})-[:HAS_STEP]->(st:HealStep)
       RETURN a, st ORDER BY st.seq`,
      { service, id: status.attempt_id },
    );
    const attempt = records[0]!.get('a').properties;
    expect(attempt).toMatchObject({ strategy: 'restart_unhealthy', dryRun: false, applied: true, verified: true, outcome: 'verified', actor: 'test-operator', workflowId });
    const steps = records.map((r) => r.get('st').properties);
    expect(steps.map((s) => s.seq.toNumber())).toEqual(steps.map((_, i) => i + 1));
    const names = steps.map((s) => s.step);
    for (const expected of ['planned', 'action_started', 'action_completed', 'verification', 'verified', 'completed']) expect(names).toContain(expected);

    // RabbitMQ: every step as a persistent event with its id as messageId, and the analysis too.
    await waitFor(async () => rabbit.messages.some((m) => m.envelope.workflowId === workflowId && m.envelope.step === 'completed'), 20_000, 'events on RabbitMQ');
    const heal = rabbit.messages.filter((m) => m.envelope.workflowId === workflowId);
    expect(heal.map((m) => m.routingKey)).toContain('self_healing.heal.action_completed');
    expect(new Set(heal.map((m) => m.envelope.id)).size).toBe(steps.length);
    for (const m of heal) {
      expect(m.messageId).toBe(m.envelope.id);
      expect(m.envelope).toMatchObject({ type: 'heal', version: 1, service, runId });
    }
    expect(rabbit.messages.some((m) => m.routingKey === 'self_healing.analyze.analyzed' && m.envelope.workflowId === analyzeWorkflowId)).toBe(true);

    // Socket.IO: the subscribed client saw the heal live.
    await waitFor(async () => socket.events.some((e) => e.envelope.workflowId === workflowId && e.envelope.step === 'completed'), 20_000, 'events on Socket.IO');
    const seen = socket.events.filter((e) => e.envelope.workflowId === workflowId);
    expect(seen.every((e) => e.name === 'self_healing:heal')).toBe(true);
    expect(new Set(seen.map((e) => e.envelope.id)).size).toBe(steps.length);
    expect(socket.events.some((e) => e.name === 'self_healing:analyze' && e.envelope.workflowId === analyzeWorkflowId)).toBe(true);
  });
});
