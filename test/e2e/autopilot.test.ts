// The autopilot on the real stack, with no REST call: a worker whose policy puts restart_unhealthy in auto for one
// service and leaves another in shadow. An unhealthy container of the first is restarted and verified through one
// incident and one heal; the second's gets an incident and a recorded shadow decision, and nothing is done to it.
// A service whose containers are gone is blind. Every lifecycle notice reaches a real webhook receiver on 127.0.0.1
// that checks its signature and timestamp: an incident opened, and for a third service in approve, the approval a
// heal waits for and, after a person rejects it, the escalation. A fourth, with no container, is watched through a
// Prometheus target on 127.0.0.1, and blind while that target answers 503. A fifth is fed only by batches pushed to
// POST /metrics/batch: blind while nothing is pushed, and an anomalous pushed value opens its incident.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { startTestStack, type TestStack } from '../helpers/stack';
import { breakHealthCheck, createServiceContainer, docker, makeUnhealthy, removeContainers, startedAt, waitFor } from '../helpers/containers';
import { connectTestNeo4j, deleteServices } from '../helpers/neo4j';
import type { Neo4jConnection } from '../../src/adapters/neo4j/driver';
import type { WatchStatus } from '../../src/domain/autopilot';
import type { HealStatus } from '../../src/domain/heal';
import { healStatusQuery, healWorkflowId, watchStatusQuery, watchWorkflowId } from '../../workflows/definitions';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';
import { startMetricsExporter, type MetricsExporter } from '../helpers/metrics-exporter';

const id = randomUUID().slice(0, 8);
const autoService = `ap-auto-${id}`;
const shadowService = `ap-shadow-${id}`;
const approveService = `ap-approve-${id}`;
// Watched through a Prometheus target only (no container): seen while the target answers, blind when it does not.
const scrapeService = `ap-scrape-${id}`;
// Fed only by pushed metrics (POST /api/self_healing/metrics/batch), in shadow.
const pushService = `ap-push-${id}`;
let exporter: MetricsExporter;
let exporterDown = false;
const WEBHOOK_SECRET = `e2e-webhook-secret-${randomUUID()}`;
let receiver: WebhookReceiver;
let approveContainer: { name: string };
let stack: TestStack;
let connection: Connection;
let client: Client;
let neo4j: Neo4jConnection;
let autoContainer: { name: string };
let shadowContainer: { name: string };

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'selfheal-autopilot-'));
  const policyFile = path.join(dir, 'autopilot.yaml');
  exporter = await startMetricsExporter(() => (exporterDown ? { status: 503, body: 'down' } : '# TYPE jobs_waiting gauge\njobs_waiting 3\n'));
  writeFileSync(
    policyFile,
    `services:\n  ${autoService}:\n    strategies:\n      restart_unhealthy: auto\n  ${shadowService}: {}\n  ${approveService}:\n    strategies:\n      restart_unhealthy: approve\n` +
      `  ${scrapeService}:\n    scrape: [{url: "${exporter.origin}/metrics"}]\n  ${pushService}:\n    push: true\n`,
  );
  [autoContainer, shadowContainer, approveContainer] = await Promise.all([createServiceContainer(autoService), createServiceContainer(shadowService), createServiceContainer(approveService)]);
  receiver = await startWebhookReceiver(WEBHOOK_SECRET);
  stack = await startTestStack({
    AUTOPILOT_POLICY_FILE: policyFile,
    AUTOPILOT_INTERVAL_SECONDS: '1',
    // Loopback is allowed because this configuration lists it, as the demo's would.
    WEBHOOK_URLS: `${receiver.url('generic')},slack=${receiver.url('slack')}`,
    WEBHOOK_ALLOWLIST: receiver.prefix,
    WEBHOOK_SECRET,
    VERIFY_HTTP_ALLOWLIST: `http://127.0.0.1:3000/health,${exporter.origin}/metrics`,
  });
  connection = await Connection.connect({ address: stack.config.temporal.address });
  client = new Client({ connection, namespace: stack.config.temporal.namespace });
  neo4j = await connectTestNeo4j();
});

afterAll(async () => {
  await removeContainers({ label: `selfheal.service=${autoService}` });
  await removeContainers({ label: `selfheal.service=${shadowService}` });
  await removeContainers({ label: `selfheal.service=${approveService}` });
  await stack?.stop();
  await receiver?.close();
  await exporter?.close();
  await connection?.close();
  if (neo4j) {
    await deleteServices(neo4j, [autoService, shadowService, approveService, scrapeService, pushService]);
    await neo4j.driver.executeQuery('MATCH (p:PushedSample {service: $service}) DELETE p', { service: pushService }, { database: neo4j.database });
    await neo4j.driver.close();
  }
});

async function watchStatus(service: string): Promise<WatchStatus> {
  return client.workflow.getHandle(watchWorkflowId(service)).query(watchStatusQuery);
}

async function untilWatch(service: string, what: string, check: (s: WatchStatus) => boolean): Promise<WatchStatus> {
  let last: WatchStatus | null = null;
  await waitFor(
    async () => {
      // Not queryable until the worker has started it and run its first task.
      last = await watchStatus(service).catch(() => null);
      return last !== null && check(last);
    },
    60_000,
    what,
  );
  return last as unknown as WatchStatus;
}

async function cypher(query: string, params: Record<string, unknown>) {
  const { records } = await neo4j.driver.executeQuery(query, params, { database: neo4j.database });
  return records.map((r) => r.toObject());
}

describe('autopilot', () => {
  it('watches every service its policy names, seeing their containers', async () => {
    for (const service of [autoService, shadowService, approveService]) {
      const s = await untilWatch(service, `${service} watched twice`, (w) => w.samples >= 2);
      expect(s.phase).toBe('watching');
      expect(s.containers).toEqual([expect.objectContaining({ health: 'healthy' })]);
      expect(s.incident).toBeNull();
    }
  });

  it('auto: an unhealthy container is restarted and verified with no REST call: one incident, one decision, one heal', async () => {
    const before = await startedAt(autoContainer.name);
    await breakHealthCheck(autoContainer.name);
    // The heal is the watch's child; wait for it to exist, then for its end.
    await waitFor(async () => (await client.workflow.getHandle(healWorkflowId(autoService)).describe().then(() => true, (e: unknown) => (e instanceof WorkflowNotFoundError ? false : Promise.reject(e)))), 60_000, 'the autopilot to start a heal');
    const heal = client.workflow.getHandle(healWorkflowId(autoService));
    const result = (await heal.result()) as HealStatus;
    expect(result).toMatchObject({ outcome: 'verified', applied: true, verified: true });
    expect(result.plan?.strategy).toBe('restart_unhealthy');
    expect((await heal.describe()).parentExecution?.workflowId).toBe(watchWorkflowId(autoService));
    expect(await startedAt(autoContainer.name)).not.toBe(before);
    expect((await docker.getContainer(autoContainer.name).inspect()).State.Health?.Status).toBe('healthy');

    const resolved = await untilWatch(autoService, 'the incident resolved', (w) => w.incident?.status === 'resolved');
    expect(resolved.incident).toMatchObject({ attempts: 1, lastOutcome: 'verified', troubles: [`container:${autoContainer.name}:unhealthy`] });
    const rows = await cypher(
      `MATCH (:Service {name: $service})-[:HAD_INCIDENT]->(i:Incident)
       OPTIONAL MATCH (i)-[:DECIDED]->(d:AutopilotDecision)
       OPTIONAL MATCH (i)-[:REMEDIATED_BY]->(a:HealingAttempt)
       OPTIONAL MATCH (d)-[:STARTED]->(started:HealingAttempt)
       RETURN i.status AS status, i.id AS incident, collect(DISTINCT d {.level, .action, .result, .policyRule, .strategy}) AS decisions,
              collect(DISTINCT a {.outcome, .actor, .strategy}) AS attempts, collect(DISTINCT started.id) AS started`,
      { service: autoService },
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      status: 'resolved',
      decisions: [{ level: 'auto', action: 'start_heal', result: `started ${healWorkflowId(autoService)}`, policyRule: `services.${autoService}.strategies.restart_unhealthy`, strategy: 'restart_unhealthy' }],
      attempts: [{ outcome: 'verified', actor: 'autopilot', strategy: 'restart_unhealthy' }],
      started: [result.attempt_id],
    });
    const heals = await cypher('MATCH (:Service {name: $service})-[:HAS_ATTEMPT]->(a:HealingAttempt) RETURN count(a) AS n', { service: autoService });
    expect(Number(heals[0]?.n)).toBe(1);

    // The incident's opening reached both webhooks, signed (the receiver accepts nothing else); a verified heal in
    // auto needs nobody, so nothing more was sent for this service.
    const incidentId = rows[0]?.incident as string;
    const generic = await receiver.waitFor((d) => d.path === '/hooks/generic' && d.body['service'] === autoService, 'incident.opened (generic)');
    expect(generic).toMatchObject({ delivery: `${incidentId}:opened`, body: { id: `${incidentId}:opened`, type: 'incident.opened', incident: { id: incidentId, troubles: [`container:${autoContainer.name}:unhealthy`] } } });
    const slack = await receiver.waitFor((d) => d.path === '/hooks/slack' && d.delivery === `${incidentId}:opened`, 'incident.opened (slack)');
    expect(slack.body['text']).toBe(`Incident opened on ${autoService}: container:${autoContainer.name}:unhealthy`);
    expect(receiver.accepted.filter((d) => d.body['service'] === autoService || d.delivery?.startsWith(incidentId))).toHaveLength(2);
  });

  it('approve: the heal waits and a webhook asks for approval; a person rejects it and a webhook says it is escalated', async () => {
    await breakHealthCheck(approveContainer.name);
    const asked = await receiver.waitFor((d) => d.path === '/hooks/generic' && d.body['type'] === 'heal.approval_needed' && d.body['service'] === approveService, 'heal.approval_needed');
    const healId = healWorkflowId(approveService);
    expect(asked.body).toMatchObject({ heal: { workflow_id: healId, strategy: 'restart_unhealthy', outcome: null }, decision: { level: 'approve' }, links: { approve: `/api/self_healing/heal/${healId}/approve` } });
    const heal = client.workflow.getHandle(healId);
    await waitFor(async () => (await heal.query(healStatusQuery).catch(() => null))?.phase === 'awaiting_approval', 60_000, 'the heal to wait for approval');
    const rejected = await stack.call('POST', `/api/self_healing/heal/${healId}/reject`, { comment: 'not now' });
    expect(rejected.status).toBe(200);
    expect(((await heal.result()) as HealStatus).outcome).toBe('rejected');
    const escalated = await receiver.waitFor((d) => d.path === '/hooks/generic' && d.body['type'] === 'incident.escalated' && d.body['service'] === approveService, 'incident.escalated');
    expect(escalated.body).toMatchObject({ incident: { status: 'escalated', escalation: 'a person rejected the heal' }, heal: { workflow_id: healId, outcome: 'rejected' } });
    // A rejection is a person's decision, not a failed heal.
    expect(receiver.accepted.filter((d) => d.body['service'] === approveService && d.path === '/hooks/generic').map((d) => d.body['type'])).toEqual(['incident.opened', 'heal.approval_needed', 'incident.escalated']);
    expect(await docker.getContainer(approveContainer.name).inspect().then((c) => c.State.Health?.Status)).toBe('unhealthy');
  });

  it('shadow: the incident gets the decision that would have been taken, and the container is left alone', async () => {
    const before = await docker.getContainer(shadowContainer.name).inspect();
    await makeUnhealthy(shadowContainer.name);
    const s = await untilWatch(shadowService, 'a shadow decision', (w) => w.incident?.needsDecision === false);
    expect(s.incident).toMatchObject({ status: 'open', attempts: 0, inFlight: null });
    const decisions = await cypher(
      `MATCH (:Service {name: $service})-[:HAD_INCIDENT]->(:Incident)-[:DECIDED]->(d:AutopilotDecision)
       RETURN d.level AS level, d.action AS action, d.reason AS reason, d.policyRule AS rule`,
      { service: shadowService },
    );
    expect(decisions).toEqual([{ level: 'shadow', action: 'record', reason: 'shadow: would have started restart_unhealthy; nothing done', rule: 'default' }]);
    // A few more samples: still nothing done, no heal, no second decision.
    const n = s.samples;
    await untilWatch(shadowService, 'three more samples', (w) => w.samples >= n + 3);
    await expect(client.workflow.getHandle(healWorkflowId(shadowService)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const after = await docker.getContainer(shadowContainer.name).inspect();
    expect([after.State.StartedAt, after.RestartCount, after.State.Health?.Status]).toEqual([before.State.StartedAt, before.RestartCount, 'unhealthy']);
    expect(await cypher('MATCH (:Service {name: $service})-[:HAD_INCIDENT]->(:Incident)-[:DECIDED]->(d) RETURN d.id AS id', { service: shadowService })).toHaveLength(1);
  });

  it('blind: a service whose containers are gone is blind, in the query and in the audit, and that is no health', async () => {
    await removeContainers({ label: `selfheal.service=${shadowService}` });
    const s = await untilWatch(shadowService, 'blind', (w) => w.phase === 'blind');
    expect(s.blind_reason).toBe(`docker: no managed container of ${shadowService} (selfheal.service=${shadowService})`);
    // Blind samples do not count as clean: the shadow incident stays open.
    const n = s.samples;
    const later = await untilWatch(shadowService, 'five more samples', (w) => w.samples >= n + 5);
    expect(later.incident?.status).toBe('open');
    const sights = await cypher(
      `MATCH (:Service {name: $service})-[:WATCHED_BY]->(w:ServiceWatch)-[:HAD_SIGHT]->(c:SightChange) RETURN w.blind AS blind, c.blind AS change ORDER BY c.at`,
      { service: shadowService },
    );
    expect(sights.map((r) => r.change)).toEqual([false, true]);
    expect(sights[0]?.blind).toBe(true);
  });

  it('a service seen through its Prometheus target is analysed, and blind naming the target while it answers 503', async () => {
    await untilWatch(scrapeService, 'watching through its target', (w) => w.phase === 'watching' && w.samples > 0);
    const baselines = await cypher('MATCH (:Service {name: $service})-[:HAS_BASELINE]->(b:Baseline) RETURN b.metric AS metric', { service: scrapeService });
    expect(baselines.map((b) => b.metric)).toEqual(['jobs_waiting']);
    exporterDown = true;
    const blind = await untilWatch(scrapeService, 'blind', (w) => w.phase === 'blind');
    expect(blind.blind_reason).toBe(`scrape ${exporter.origin}/metrics: HTTP 503`);
    expect(blind.incident).toBeNull();
    exporterDown = false;
    await untilWatch(scrapeService, 'seeing again', (w) => w.phase === 'watching');
  });

  it('a service fed only by pushes is blind while nothing is pushed; a pushed batch is analysed and its anomaly opens an incident', async () => {
    const silent = await untilWatch(pushService, 'blind without pushes', (w) => w.phase === 'blind');
    expect(silent.blind_reason).toMatch(/^push: no sample pushed for \d+s \(more than 5 intervals of 1s\)$/);
    const at = new Date().toISOString();
    const batch = { samples: [{ id: `${id}-1`, service: pushService, at, metrics: { error_rate: 0.95, queue_depth: 4 } }] };
    expect(await stack.call('POST', '/api/self_healing/metrics/batch', batch)).toEqual({ status: 202, body: { accepted: 1, duplicate: 0 } });
    // A client's retry of the same batch is stored once.
    expect(await stack.call('POST', '/api/self_healing/metrics/batch', batch)).toEqual({ status: 202, body: { accepted: 0, duplicate: 1 } });
    const seen = await untilWatch(pushService, 'an incident from the pushed anomaly', (w) => w.incident !== null);
    expect(seen.phase).toBe('watching');
    expect(seen.incident).toMatchObject({ status: 'open', troubles: ['metric:error_rate'] });
    const grouped = await cypher(
      'MATCH (:Service {name: $service})-[:HAD_INCIDENT]->(:Incident)-[:GROUPS]->(a:AnomalyEvent) RETURN a.metric AS metric',
      { service: pushService },
    );
    expect(grouped.map((g) => g.metric)).toEqual(['error_rate']);
    const taken = await cypher('MATCH (p:PushedSample {service: $service}) RETURN p.takenBy AS takenBy', { service: pushService });
    expect(taken).toEqual([{ takenBy: expect.stringContaining(watchWorkflowId(pushService)) }]);
  });
});
