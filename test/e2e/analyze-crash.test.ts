// ANALYZE_SHAPE=eager on the real stack: the API process runs the analyses it starts and completes their workflow
// task itself (src/api/eager-analyze.ts); they are found by service and reset as in the Web UI like any workflow; and
// a kill -9 of that API in the middle of one loses nothing: the workflow task goes back to the analyze queue, a worker
// runs it, and the analysis is recorded exactly once under its id. A burst of 40 analyses starts eagerly throughout.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteServices } from '../helpers/neo4j';
import { spawnApi, type ApiProcess } from '../helpers/api-process';
import { startTestStack, type TestStack } from '../helpers/stack';
import { eagerFirstTask } from '../helpers/eager-start';

const ANALYZE = '/api/self_healing/analyze';
// The child API reads its settings from the environment, so it gets testConfig's analyze settings explicitly.
const settings = { ANALYZE_SHAPE: 'eager', MAX_SERVICES: '10000000', ANALYZE_MAX_FUTURE_SECONDS: String(50 * 365 * 24 * 3600) };
let stack: TestStack;
let api: ApiProcess;
let driver: Driver;
let temporal: Client;
const service = `analyze-crash-${randomUUID().slice(0, 8)}`;
const burstService = `${service}-burst`;

beforeAll(async () => {
  // The in-process worker serves both queues; the API in the child process is the one that gets killed.
  stack = await startTestStack(settings);
  api = await spawnApi(stack.config, settings);
  driver = neo4j.driver(stack.config.neo4j.uri);
  temporal = new Client({ connection: await Connection.connect({ address: stack.config.temporal.address }) });
});

afterAll(async () => {
  await api?.kill9();
  await stack?.stop();
  if (driver) await deleteServices({ driver, database: stack.config.neo4j.database }, [service, burstService]);
  await driver?.close();
  await temporal?.connection.close();
});

function post(body: unknown, key: string): Promise<Response> {
  return fetch(api.baseUrl + ANALYZE, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.token('operator')}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
}

async function history(workflowId: string) {
  return (await temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

const firstKey = `first-${randomUUID()}`;
const firstId = `analyze-${service}-${firstKey}`;

describe('an analysis whose workflow task the API runs itself', () => {
  it('is started eagerly: the API has the first workflow task without a poll', async () => {
    const res = await post({ service, at: '2041-06-01T00:00:00.000Z', metrics: { error_rate: 0.01 } }, firstKey);
    expect(res.status).toBe(200);
    const events = await history(firstId);
    // Eager: scheduled and started in the start request itself, by the API, with no matching in between.
    expect(eagerFirstTask(events)?.identity).toMatch(new RegExp(`^${api.pid}@`));
  });

  it('is found by its service in the Web UI\'s search and, reset there, gives the recorded analysis back', async () => {
    // Visibility is eventually consistent: the search is asked again until the analysis shows up.
    let found: string[] = [];
    for (let attempt = 0; attempt < 100 && !found.includes(firstId); attempt++) {
      found = [];
      for await (const wf of temporal.workflow.list({ query: `SelfhealService = "${service}" AND WorkflowType = "analyzeWorkflow"` })) found.push(wf.workflowId);
      if (!found.includes(firstId)) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(found).toContain(firstId);

    const before = await temporal.workflow.getHandle(firstId).result();
    const completed = (await history(firstId)).find((e) => e.workflowTaskCompletedEventAttributes)!;
    // "Reset" in the Web UI, to the first workflow task: the analysis runs again and finds itself recorded.
    const { runId } = await temporal.workflowService.resetWorkflowExecution({
      namespace: stack.config.temporal.namespace,
      workflowExecution: { workflowId: firstId },
      reason: 'operator retry',
      workflowTaskFinishEventId: completed.eventId,
      requestId: randomUUID(),
    });
    expect(await temporal.workflow.getHandle(firstId, runId!).result()).toEqual(before);
    const { records } = await driver.executeQuery('MATCH (m:MetricSnapshot {id: $id}) RETURN count(m) AS n', { id: firstId });
    expect(records[0]!.get('n').toNumber()).toBe(1);
  });

  it('starts 40 concurrent analyses all eagerly', async () => {
    // A first analysis creates the service's lock node; holding it then keeps the next 40 inside their store write,
    // each holding its workflow task, so all 40 are in the API's hands at once.
    expect((await post({ service: burstService, metrics: { error_rate: 0.01 } }, `burst-first-${randomUUID()}`)).status).toBe(200);
    const session = driver.session({ database: stack.config.neo4j.database });
    const tx = await session.beginTransaction();
    const keys = Array.from({ length: 40 }, (_, i) => `burst-${i}-${randomUUID()}`);
    const answers: Promise<Response>[] = [];
    let statuses: Array<number | string>;
    try {
      await tx.run('MATCH (lock:AnalysisLock {service: $service}) SET lock.locked = true', { service: burstService });
      answers.push(...keys.map((key) => post({ service: burstService, metrics: { error_rate: 0.011 } }, key)));
      const firstTasks = () => Promise.all(keys.map(async (key) => (await history(`analyze-${burstService}-${key}`).catch(() => [])).slice(0, 3)));
      let tasks = await firstTasks();
      while (!tasks.every((events) => events[2]?.workflowTaskStartedEventAttributes)) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        tasks = await firstTasks();
      }
      // Eager: the API has each first task, scheduled and started in the start itself (no poll between).
      const polled = keys.filter((_, i) => !eagerFirstTask(tasks[i]!)?.identity.startsWith(`${api.pid}@`));
      expect(polled).toEqual([]);
    } finally {
      await tx.rollback();
      await session.close();
      // Every answer is awaited even when an expectation above failed: the next test kills this API.
      statuses = (await Promise.allSettled(answers)).map((a) => (a.status === 'fulfilled' ? a.value.status : String(a.reason)));
    }
    expect(statuses).toEqual(keys.map(() => 200));
  });

  it('survives a kill -9 of the API mid-analysis: a worker finishes it, recorded once', async () => {
    const key = `crash-${randomUUID()}`;
    const workflowId = `analyze-${service}-${key}`;
    // Holds the service's analysis lock, so the API's analysis is stuck inside its store write when the API dies.
    const session = driver.session({ database: stack.config.neo4j.database });
    const tx = await session.beginTransaction();
    try {
      await tx.run('MATCH (lock:AnalysisLock {service: $service}) SET lock.locked = true', { service });
      const answer = post({ service, at: '2041-06-01T00:01:00.000Z', metrics: { error_rate: 0.012 } }, key).catch((err: unknown) => err);
      // The API has the workflow task (and so is running the analysis) once its start is in the history.
      for (;;) {
        const events = await history(workflowId).catch(() => []);
        if (events.some((e) => e.workflowTaskStartedEventAttributes)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await api.kill9();
      expect(await answer).toBeInstanceOf(Error);
    } finally {
      await tx.rollback();
      await session.close();
    }

    const result = await temporal.workflow.getHandle(workflowId).result();
    expect(result.sample_counts.error_rate).toBe(2);
    const events = await history(workflowId);
    expect(events.some((e) => e.workflowTaskTimedOutEventAttributes)).toBe(true);
    const completedBy = events.filter((e) => e.workflowTaskCompletedEventAttributes).map((e) => e.workflowTaskCompletedEventAttributes!.identity);
    expect(completedBy).toHaveLength(1);
    expect(completedBy[0]).not.toMatch(new RegExp(`^${api.pid}@`));
    const { records } = await driver.executeQuery('MATCH (m:MetricSnapshot {id: $id}) RETURN count(m) AS n', { id: workflowId });
    expect(records[0]!.get('n').toNumber()).toBe(1);
  }, 90_000);
});
