// Following heals from the terminal: `heal --apply --watch`, `watch ID` on a finished heal and on one that a person
// rejects while it is being watched, and `watch` with no id, against a running API on the real stack.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceContainer, makeUnhealthy, removeContainers, startedAt, waitFor } from '../../helpers/containers';
import { startTestStack, type TestStack } from '../../helpers/stack';
import { runCli, startCli } from './run-cli';

const service = `cliw-${randomUUID().slice(0, 8)}`;
let stack: TestStack;
let container: { name: string };
let api: Record<string, string>;
let diagnosis: Record<string, unknown>;

beforeAll(async () => {
  // Analyses wait up to a minute: these tests are about behaviour, and the shared machine may be busy.
  stack = await startTestStack({ ANALYZE_TIMEOUT_MS: '60000' });
  container = await createServiceContainer(service);
  await makeUnhealthy(container.name);
  api = { SELFHEAL_URL: stack.baseUrl, SELFHEAL_TOKEN: stack.token('operator', 'cli-watcher') };
  const analysis = await stack.call('POST', '/api/self_healing/analyze', { service, metrics: { error_rate: 0.3 }, context: { services: [service], containers: [container.name] } });
  diagnosis = analysis.body.diagnosis;
});

afterAll(async () => {
  await removeContainers({ label: `selfheal.service=${service}` });
  await stack?.stop();
});

const STEP_LINE = /^\d\d:\d\d:\d\d {2}(\S+) {2}# ?(\d+) (\S+)/;
const stepsOf = (stdout: string) =>
  stdout.split('\n').flatMap((line) => {
    const m = STEP_LINE.exec(line);
    return m ? [{ service: m[1], seq: Number(m[2]), step: m[3] }] : [];
  });

// The rejected heal comes first: it is never applied, so the restart after it is not held back by the cooldown.
describe('selfheal watch', () => {
  let healId: string;

  it('watch ID follows a heal live while a person rejects it, and exits 3', async () => {
    const started = await stack.call('POST', '/api/self_healing/heal', {
      issue: { diagnosis }, context: { services: [service], containers: [container.name] }, dry_run: false, strategy: 'restart_unhealthy', require_approval: true,
    });
    expect(started.status).toBe(202);
    const watch = startCli(['watch', started.body.workflow_id], api);
    await waitFor(async () => / approval_requested /.test(watch.output()), 30_000, 'the watcher to show the approval request');
    expect(stepsOf(watch.output()).some((s) => s.step === 'rejected')).toBe(false);
    const rejected = await stack.call('POST', `/api/self_healing/heal/${started.body.workflow_id}/reject`, { comment: 'not now' });
    expect(rejected.status).toBe(200);
    const { code, stdout } = await watch.done;
    expect(code).toBe(3);
    expect(stepsOf(stdout).map((s) => s.step)).toEqual(['planned', 'approval_requested', 'rejected', 'completed']);
    expect(stdout).toContain('rejected by test-operator: not now');
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(`heal ${started.body.workflow_id}: rejected`);
  });

  it('heal --apply --watch follows the heal step by step and exits 0 once it is verified', async () => {
    const before = await startedAt(container.name);
    const { code, stdout, stderr } = await runCli(
      ['heal', '--metric', 'error_rate=0.3', '--service', service, '--container', container.name, '--strategy', 'restart_unhealthy', '--apply', '--watch', '--timeout', '120'],
      api,
    );
    expect(code, stderr).toBe(0);
    healId = `heal-${service}`;
    expect(stdout).toContain(`heal ${healId}: running`);
    const steps = stepsOf(stdout);
    expect(steps.map((s) => s.seq)).toEqual(steps.map((_, i) => i + 1));
    expect(steps.every((s) => s.service === service)).toBe(true);
    const names = steps.map((s) => s.step);
    expect(names.slice(0, 3)).toEqual(['planned', 'action_started', 'action_completed']);
    expect(names.slice(-2)).toEqual(['verified', 'completed']);
    expect(stdout).toMatch(new RegExp(`action_completed +ok +restart_container → container:${container.name}`));
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(`heal ${healId}: verified`);
    expect(await startedAt(container.name)).not.toBe(before);
  });

  it('watch ID on a finished heal catches up from its status and exits with its outcome; --json prints the envelopes', async () => {
    const { code, stdout } = await runCli(['watch', healId, '--json'], api);
    expect(code).toBe(0);
    const events = stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    const status = (await stack.call('GET', `/api/self_healing/heal/${healId}`, undefined, 'viewer')).body;
    expect(events.map((e) => e.id)).toEqual(status.steps.map((s: { seq: number }) => `${status.attempt_id}:${s.seq}`));
    expect(events.at(-1)).toMatchObject({ type: 'heal', step: 'completed', workflowId: healId, service, data: { outcome: 'verified' } });
    expect(events.find((e) => e.step === 'action_started')).toMatchObject({ data: { action: 'restart_container', target: `container:${container.name}` } });
  });

  it('watch ID of a heal that does not exist is an error (exit 1)', async () => {
    const { code, stderr } = await runCli(['watch', `heal-nothing-${randomUUID().slice(0, 8)}`], api);
    expect(code).toBe(1);
    expect(stderr).toContain('404');
  });

  it('watch with no id follows every analysis and heal step until interrupted, then exits 0', async () => {
    const watch = startCli(['watch', '--json'], api);
    await waitFor(async () => watch.errors().includes('following every heal and analysis'), 30_000, 'the watcher to subscribe');
    const analysis = await stack.call('POST', '/api/self_healing/analyze', { service, metrics: { error_rate: 0.011 } });
    await waitFor(async () => watch.output().includes(analysis.body.workflow_id), 20_000, 'the analysis event');
    watch.signal('SIGINT');
    const { code, stdout } = await watch.done;
    expect(code).toBe(0);
    const event = stdout.trimEnd().split('\n').map((line) => JSON.parse(line)).find((e) => e.workflowId === analysis.body.workflow_id);
    expect(event).toMatchObject({ type: 'analyze', step: 'analyzed', service, data: { anomalies: [] } });
  });
});
