// Records the histories of real runs of every workflow branch (real worker, real activities, real API, against the
// real stack) and writes them to test/fixtures/histories/<branch>.json, which test/unit/replay/ replays against the
// current workflow code. Run it with `npm run histories:record [-- [--suffix=NAME] [branch ...]]` (the stack must be
// reachable or startable, see test/global-setup.ts): no branch names record every branch; --suffix writes
// <branch>.<NAME>.json beside the existing fixtures instead of replacing them (a new path behind patched()).
// Re-record only under the rules in docs/architecture.md ("Changing a workflow").
//
// The worker and the API run on a task queue of their own (startTestStack), so they never take tasks of other tests.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import neo4j from 'neo4j-driver';
import setupStack from '../global-setup';
import { breakHealthCheck, createServiceContainer, makeUnhealthy } from '../helpers/containers';
import { cleanUpService, hasStep, healBody, waitForHeal, type HealView } from '../helpers/heal';
import { startHttpTarget } from '../helpers/http-target';
import { startTestStack, type TestStack } from '../helpers/stack';
import { FIXTURE_DIR, fixtureFile, type HistoryFixture } from './fixtures';
import { historyToJson } from './history-json';
import { backpressureReleaseWorkflowId } from '../../workflows/backpressure-release';
import { watchStatusQuery, watchWorkflowId } from '../../workflows/definitions';

const EventType = temporal.api.enums.v1.EventType;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const suffix = args.find((a) => a.startsWith('--suffix='))?.slice('--suffix='.length);
  if (suffix !== undefined && !/^[a-z0-9-]+$/.test(suffix)) throw new Error(`--suffix=${suffix}: use lower-case letters, digits and dashes`);
  const only = new Set(args.filter((a) => !a.startsWith('--')));
  await setupStack();
  const http = await startHttpTarget();
  const common = { VERIFY_HTTP_ALLOWLIST: http.prefix, VERIFY_ATTEMPTS: '3', VERIFY_INTERVAL_SECONDS: '1' };
    // The second stack's approvals time out at once, and its verified backpressure is lifted after 2 s: the
  // approval_timeout branch and the backpressure release child workflow, without waiting 15 minutes.
  const [stack, quick] = await Promise.all([startTestStack(common), startTestStack({ ...common, APPROVAL_TIMEOUT_SECONDS: '2', HEAL_BACKPRESSURE_RELEASE_SECONDS: '2' })]);
  const connection = await Connection.connect({ address: stack.config.temporal.address });
  const client = new Client({ connection, namespace: stack.config.temporal.namespace });
  const driver = neo4j.driver(stack.config.neo4j.uri);
  const services: string[] = [];
  const newService = (branch: string) => {
    const service = `replay-${branch.replace(/[^a-z]/g, '').slice(0, 12)}-${randomUUID().slice(0, 6)}`;
    services.push(service);
    return service;
  };
  mkdirSync(FIXTURE_DIR, { recursive: true });

  /** One run of a workflow. */
  interface Run {
    workflowId: string;
    runId?: string;
  }

  async function save(branch: string, run: Run, expected: HistoryFixture['expected']): Promise<void> {
    const described = await client.workflow.getHandle(run.workflowId, run.runId).describe();
    const history = await client.workflow.getHandle(run.workflowId, described.runId).fetchHistory();
    const fixture: HistoryFixture = {
      branch,
      workflowType: described.type,
      workflowId: described.workflowId,
      runId: described.runId,
      status: described.status.name,
      expected,
      recordedAt: new Date().toISOString(),
      history: historyToJson(history),
    };
    if (fixture.status !== expected.status) throw new Error(`${branch}: the run ended ${fixture.status}, expected ${expected.status}`);
    const file = fixtureFile(branch, suffix);
    writeFileSync(file, JSON.stringify(fixture, null, 1) + '\n');
    console.log(`recorded ${branch} in ${path.relative(process.cwd(), file)}: ${described.workflowId} ${described.runId} ${fixture.status} (${history.events?.length} events)`);
  }

  /** Starts an applied heal through the API; returns its handle. */
  async function heal(on: TestStack, body: Record<string, unknown>, expectedStatus = 202): Promise<Required<Run>> {
    const res = await on.call('POST', '/api/self_healing/heal', body);
    if (res.status !== expectedStatus) throw new Error(`POST heal: ${res.status} ${JSON.stringify(res.body)}`);
    return { workflowId: res.body.workflow_id, runId: res.body.run_id };
  }

  async function finished(on: TestStack, run: Required<Run>, outcome: string): Promise<HealView> {
    const done = await waitForHeal(on, run.workflowId, (s) => s.run_id === run.runId && s.phase === 'completed' && s.workflow_status !== 'RUNNING');
    if (done.outcome !== outcome) throw new Error(`${run.workflowId}: outcome ${done.outcome}, expected ${outcome}`);
    return done;
  }

  async function until(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 120_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** A scale_service heal verified by holding container health for a minute: long enough to cancel it mid-verification. */
  async function longVerifyingHeal(branch: string): Promise<Required<Run>> {
    const service = newService(branch);
    const c = await createServiceContainer(service);
    const handle = await heal(stack, healBody(service, 'scale_service', { context: { services: [service], containers: [c.name] }, verify: [{ name: 'container_health', params: { hold_seconds: 60 } }] }));
    await waitForHeal(stack, handle.workflowId, hasStep('verification'));
    return handle;
  }

  const branches: Record<string, () => Promise<void>> = {
    async analyze() {
      const service = newService('analyze');
      const res = await stack.call('POST', '/api/self_healing/analyze', { metrics: { error_rate: 0.08, cpu_load: 0.92, latency_p95: 450 }, context: { services: [service] } });
      if (res.status !== 200) throw new Error(`POST analyze: ${res.status} ${JSON.stringify(res.body)}`);
      await save('analyze', { workflowId: res.body.workflow_id }, { status: 'COMPLETED', outcome: null });
    },

    async 'heal-dry-run'() {
      const service = newService('dryrun');
      const c = await createServiceContainer(service);
      const h = await heal(stack, healBody(service, 'rolling_restart', { dry_run: true, context: { services: [service], containers: [c.name] } }), 200);
      await finished(stack, h, 'planned');
      await save('heal-dry-run', h, { status: 'COMPLETED', outcome: 'planned' });
    },

    async 'heal-verified'() {
      const service = newService('verified');
      const c = await createServiceContainer(service);
      await makeUnhealthy(c.name);
      const h = await heal(stack, healBody(service, 'restart_unhealthy', { context: { services: [service], containers: [c.name] }, verify: [{ name: 'container_health', params: { hold_seconds: 2 } }] }));
      await finished(stack, h, 'verified');
      await save('heal-verified', h, { status: 'COMPLETED', outcome: 'verified' });
    },

    async 'heal-refused'() {
      const service = newService('refused');
      const c = await createServiceContainer(service);
      const h = await heal(stack, healBody(service, 'scale_service', { replicas: 3, context: { services: [service], containers: [c.name] } }), 422);
      await finished(stack, h, 'refused');
      await save('heal-refused', h, { status: 'COMPLETED', outcome: 'refused' });
    },

    async 'heal-approval-timeout'() {
      const service = newService('timeout');
      const c = await createServiceContainer(service);
      const h = await heal(quick, healBody(service, 'rolling_restart', { require_approval: true, context: { services: [service], containers: [c.name] } }));
      await finished(quick, h, 'approval_timeout');
      await save('heal-approval-timeout', h, { status: 'COMPLETED', outcome: 'approval_timeout' });
    },

    async 'backpressure-release'() {
      // A verified apply_backpressure heal starts the release child workflow, which lifts the policy after 2 s.
      const service = newService('release');
      const queue = `selfheal-test-replay-${randomUUID().slice(0, 8)}`;
      const amqp = await import('amqplib');
      const broker = await amqp.connect(quick.config.rabbitmq.url);
      await (await broker.createChannel()).assertQueue(queue, { durable: false, autoDelete: false });
      try {
        const h = await heal(quick, healBody(service, 'apply_backpressure', { max_length: 5, context: { services: [service], queues: [queue] }, verify: [{ name: 'http_probe', params: { url: http.url(service) } }] }));
        await finished(quick, h, 'verified');
        const child = client.workflow.getHandle(backpressureReleaseWorkflowId(service, h.runId));
        await child.result();
        await save('backpressure-release', { workflowId: child.workflowId }, { status: 'COMPLETED', outcome: null });
      } finally {
        await (await broker.createChannel()).deleteQueue(queue);
        await broker.close();
      }
    },

    async watch() {
      // A watch whose service breaks after its first sample: the heal as a child, its end settled, then (10 samples a
      // run, held while the heal runs) the continue-as-new that ends the recorded run.
      const service = newService('watch');
      const c = await createServiceContainer(service);
      const policyFile = path.join(mkdtempSync(path.join(tmpdir(), 'selfheal-replay-')), 'autopilot.yaml');
      writeFileSync(policyFile, `services:\n  ${service}:\n    strategies:\n      restart_unhealthy: auto\n`);
      const watching = await startTestStack({ ...common, AUTOPILOT_POLICY_FILE: policyFile, AUTOPILOT_INTERVAL_SECONDS: '1', AUTOPILOT_SAMPLES_PER_RUN: '10' });
      try {
        const handle = client.workflow.getHandle(watchWorkflowId(service));
        await until('the first sample', async () => ((await handle.query(watchStatusQuery).catch(() => null))?.samples ?? 0) >= 1);
        const { runId } = await handle.describe();
        await breakHealthCheck(c.name);
        await until('the run to continue as new', async () => (await client.workflow.getHandle(watchWorkflowId(service), runId).describe()).status.name === 'CONTINUED_AS_NEW');
        await save('watch', { workflowId: watchWorkflowId(service), runId }, { status: 'CONTINUED_AS_NEW', outcome: null });
      } finally {
        await watching.stop();
      }
    },

    async retention() {
      // A period reaching back to 2000: nothing of the shared database is that old, so the run deletes nothing.
      const retentionDays = Math.floor((Date.now() - Date.parse('2000-01-01T00:00:00Z')) / 86_400_000);
      const workflowId = `replay-retention-${randomUUID().slice(0, 8)}`;
      await client.workflow.execute('retentionWorkflow', { taskQueue: stack.config.temporal.taskQueue, workflowId, args: [{ retentionDays, batch: 500, maxBatches: 10 }] });
      await save('retention', { workflowId }, { status: 'COMPLETED', outcome: null });
    },

    async 'heal-rejected'() {
      const service = newService('rejected');
      const c = await createServiceContainer(service);
      const h = await heal(stack, healBody(service, 'rolling_restart', { require_approval: true, context: { services: [service], containers: [c.name] } }));
      await waitForHeal(stack, h.workflowId, hasStep('approval_requested'));
      const res = await stack.call('POST', `/api/self_healing/heal/${h.workflowId}/reject`, { comment: 'recording a rejection' });
      if (res.status !== 200) throw new Error(`reject: ${res.status} ${JSON.stringify(res.body)}`);
      await finished(stack, h, 'rejected');
      await save('heal-rejected', h, { status: 'COMPLETED', outcome: 'rejected' });
    },

    async 'heal-approved'() {
      const service = newService('approved');
      const c = await createServiceContainer(service);
      const h = await heal(stack, healBody(service, 'rolling_restart', { require_approval: true, context: { services: [service], containers: [c.name] }, verify: [{ name: 'container_health' }] }));
      await waitForHeal(stack, h.workflowId, hasStep('approval_requested'));
      // Four eyes: another person than the requester (test-operator) approves.
      const res = await stack.call('POST', `/api/self_healing/heal/${h.workflowId}/approve`, { comment: 'recording an approval' }, 'admin');
      if (res.status !== 200) throw new Error(`approve: ${res.status} ${JSON.stringify(res.body)}`);
      await finished(stack, h, 'verified');
      await save('heal-approved', h, { status: 'COMPLETED', outcome: 'verified' });
    },

    async 'heal-cancelled-by-temporal'() {
      // WorkflowHandle.cancel(), as the Web UI's "Cancel" does: the replicas are removed, then the run ends CANCELED.
      const h = await longVerifyingHeal('cancelledtemporal');
      await client.workflow.getHandle(h.workflowId, h.runId).cancel();
      await finished(stack, h, 'cancelled');
      await save('heal-cancelled-by-temporal', h, { status: 'CANCELLED', outcome: 'cancelled' });
    },

    async 'heal-cancelled-by-signal'() {
      const h = await longVerifyingHeal('cancelledsignal');
      const res = await stack.call('POST', `/api/self_healing/heal/${h.workflowId}/cancel`, { reason: 'recording a cancel' });
      if (res.status !== 202) throw new Error(`cancel: ${res.status} ${JSON.stringify(res.body)}`);
      await finished(stack, h, 'cancelled');
      await save('heal-cancelled-by-signal', h, { status: 'COMPLETED', outcome: 'cancelled' });
    },

    async 'heal-rolled-back'() {
      // The failed run is the rolled-back branch; reset once the probe answers 200, its new run is the reset branch.
      const service = newService('rolledback');
      const template = await createServiceContainer(service);
      http.answer(service, 500);
      const h = await heal(stack, healBody(service, 'scale_service', { context: { services: [service], containers: [template.name] }, verify: [{ name: 'http_probe', params: { url: http.url(service) } }] }));
      await finished(stack, h, 'rolled_back');
      await save('heal-rolled-back', h, { status: 'FAILED', outcome: 'rolled_back' });
      if (only.size > 0 && !only.has('heal-reset')) return;

      http.answer(service, 200);
      const history = await client.workflow.getHandle(h.workflowId, h.runId).fetchHistory();
      const firstTask = history.events!.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)!;
      const { runId } = await client.workflowService.resetWorkflowExecution({
        namespace: stack.config.temporal.namespace,
        workflowExecution: { workflowId: h.workflowId, runId: h.runId },
        reason: 'recording a reset',
        workflowTaskFinishEventId: firstTask.eventId,
        requestId: randomUUID(),
      });
      const reset = { workflowId: h.workflowId, runId: runId! };
      await finished(stack, reset, 'verified');
      await save('heal-reset', reset, { status: 'COMPLETED', outcome: 'verified' });
    },
  };

  try {
    for (const [branch, record] of Object.entries(branches)) {
      if (only.size > 0 && !only.has(branch) && !(branch === 'heal-rolled-back' && only.has('heal-reset'))) continue;
      await record();
    }
  } finally {
    for (const service of services) await cleanUpService(driver, service).catch((err: unknown) => console.error(`cleanup ${service}: ${String(err)}`));
    await driver.close();
    await connection.close();
    await Promise.all([stack.stop(), quick.stop()]);
    await http.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
