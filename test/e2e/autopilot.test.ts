// The autopilot on the real stack, with no REST call: a worker whose policy puts restart_unhealthy in auto for one
// service and leaves another in shadow. An unhealthy container of the first is restarted and verified through one
// incident and one heal; the second's gets an incident and a recorded shadow decision, and nothing is done to it.
// A service whose containers are gone is blind. Every lifecycle notice reaches a real webhook receiver on 127.0.0.1
// that checks its signature and timestamp: an incident opened, and for a third service in approve, the approval a
// heal waits for and, after a person rejects it, the escalation. In `off` the decision not to act is recorded; in
// `suggest` the offer is announced and a person starts it through the API (the heal's actor); shadow decisions are
// compared with what happened next; the causal why walks the graph from the incident active at a moment. A service
// with no container is watched through a Prometheus target on 127.0.0.1, and blind while that target answers 503.
// Two replicas of one service unhealthy at once are one incident, one decision and one heal restarting both. A storm
// (a second worker whose small heal budget is reserved in Neo4j) of services unhealthy at once never overruns the
// budget: the heals beyond it are refused. Last, an admin's policy edit through the API reaches the running watches:
// a new service is watched (in shadow), removed ones end, with no worker restart. A service fed only by batches
// pushed to POST /metrics/batch is blind while nothing is pushed, and an anomalous pushed value opens its incident.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { startTestStack, type TestStack } from '../helpers/stack';
import { breakHealthCheck, createServiceContainer, docker, makeUnhealthy, removeContainers, restoreHealthCheck, startedAt, waitFor } from '../helpers/containers';
import { connectTestNeo4j, deleteServices } from '../helpers/neo4j';
import type { Neo4jConnection } from '../../src/adapters/neo4j/driver';
import type { WatchStatus } from '../../src/domain/autopilot';
import type { HealStatus } from '../../src/domain/heal';
import { healStatusQuery, healWorkflowId, watchStatusQuery, watchWorkflowId } from '../../workflows/definitions';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';
import { startMetricsExporter, type MetricsExporter } from '../helpers/metrics-exporter';
import { workflowExists } from '../helpers/heal';

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
const groupService = `ap-group-${id}`;
const stormServices = Array.from({ length: 8 }, (_, i) => `ap-storm-${id}-${i}`);
/** Heals the storm's worker may reserve beyond those already reserved in the window when it starts. */
const STORM_BUDGET = 3;
// Unhealthy from its first health check until restarted once: the file survives the restart, the marker does not.
const BROKEN_UNTIL_RESTARTED = 'trap "exit 0" TERM INT; if [ -f /tmp/restarted ]; then touch /tmp/healthy; else touch /tmp/restarted; fi; sleep 1000000 & wait $!';
let groupContainers: { name: string }[];
let storm: TestStack;
let stormBudgetMax: number;
const stormStartedAt: Record<string, string> = {};
const offService = `ap-off-${id}`;
const suggestService = `ap-suggest-${id}`;
const addedService = `ap-added-${id}`;
const services = [autoService, shadowService, approveService, offService, suggestService, addedService];
let offContainer: { name: string };
let suggestContainer: { name: string };
let addedContainer: { name: string };
type C = { name: string };
let policyFile: string;
const WEBHOOK_SECRET = `e2e-webhook-secret-${randomUUID()}`;
let receiver: WebhookReceiver;
let approveContainer: { name: string };
let stack: TestStack;
let connection: Connection;
let client: Client;
let neo4j: Neo4jConnection;
let autoContainer: { name: string };
let shadowContainer: { name: string };

/** Containers of `service` already unhealthy when their watch first samples them: they break at once, for it. */
async function brokenContainers(service: string, n: number): Promise<{ name: string }[]> {
  const made = await Promise.all(Array.from({ length: n }, () => createServiceContainer(service, undefined, { cmd: BROKEN_UNTIL_RESTARTED, healthy: false })));
  await Promise.all(made.map((c) => waitFor(async () => (await docker.getContainer(c.name).inspect()).State.Health?.Status === 'unhealthy', 20_000, `${c.name} unhealthy`)));
  return made;
}

async function reservationsInWindow(windowSeconds: number): Promise<number> {
  const [row] = await cypher('MATCH (r:HealBudgetReservation) WHERE r.at >= $since RETURN count(r) AS n', { since: Date.now() - windowSeconds * 1000 });
  return Number(row?.n);
}

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'selfheal-autopilot-'));
  policyFile = path.join(dir, 'autopilot.yaml');
  exporter = await startMetricsExporter(() => (exporterDown ? { status: 503, body: 'down' } : '# TYPE jobs_waiting gauge\njobs_waiting 3\n'));
  writeFileSync(
    policyFile,
    `services:\n  ${autoService}:\n    strategies:\n      restart_unhealthy: auto\n  ${shadowService}: {}\n  ${approveService}:\n    strategies:\n      restart_unhealthy: approve\n` +
      `  ${offService}:\n    default: off\n  ${suggestService}:\n    strategies:\n      restart_unhealthy: suggest\n` +
      `  ${groupService}:\n    strategies:\n      restart_unhealthy: auto\n  ${scrapeService}:\n    scrape: [{url: "${exporter.origin}/metrics"}]\n` +
      `  ${pushService}:\n    push: true\n`,
  );
  const stormPolicyFile = path.join(dir, 'storm.yaml');
  writeFileSync(stormPolicyFile, `default: auto\nservices:\n${stormServices.map((s) => `  ${s}: {}\n`).join('')}`);
  neo4j = await connectTestNeo4j();
  let stormContainers: { name: string }[][];
  let made: C[];
  [made, groupContainers, ...stormContainers] = await Promise.all([
    Promise.all(services.map((s) => createServiceContainer(s))),
    brokenContainers(groupService, 2),
    ...stormServices.map((s) => brokenContainers(s, 1)),
  ]);
  [autoContainer, shadowContainer, approveContainer, offContainer, suggestContainer, addedContainer] = made as unknown as [C, C, C, C, C, C];
  for (const [i, [c]] of stormContainers.entries()) stormStartedAt[stormServices[i]!] = await startedAt(c!.name);
  // The budget is global in the shared Neo4j: the storm's worker may reserve STORM_BUDGET more than it finds.
  stormBudgetMax = (await reservationsInWindow(3600)) + STORM_BUDGET;
  receiver = await startWebhookReceiver(WEBHOOK_SECRET);
  [stack, storm] = await Promise.all([startTestStack({
    AUTOPILOT_POLICY_FILE: policyFile,
    AUTOPILOT_INTERVAL_SECONDS: '1',
    // Loopback is allowed because this configuration lists it, as the demo's would.
    WEBHOOK_URLS: `${receiver.url('generic')},slack=${receiver.url('slack')}`,
    WEBHOOK_ALLOWLIST: receiver.prefix,
    WEBHOOK_SECRET,
    VERIFY_HTTP_ALLOWLIST: `http://127.0.0.1:3000/health,${exporter.origin}/metrics`,
  }), startTestStack({
    AUTOPILOT_POLICY_FILE: stormPolicyFile,
    AUTOPILOT_INTERVAL_SECONDS: '1',
    HEAL_BUDGET_MAX: String(stormBudgetMax),
    HEAL_BUDGET_PER_SERVICE_MAX: '1',
    HEAL_BUDGET_WINDOW_SECONDS: '3600',
  })]);
  connection = await Connection.connect({ address: stack.config.temporal.address });
  client = new Client({ connection, namespace: stack.config.temporal.namespace });
});

afterAll(async () => {
  await Promise.all([...services, groupService, ...stormServices].map((s) => removeContainers({ label: `selfheal.service=${s}` })));
  await Promise.all([stack?.stop(), storm?.stop()]);
  await receiver?.close();
  await exporter?.close();
  await connection?.close();
  if (neo4j) {
    await deleteServices(neo4j, [...services, scrapeService, pushService, groupService, ...stormServices]);
    await neo4j.driver.executeQuery('MATCH (p:PushedSample|PushEmptyTake {service: $service}) DELETE p', { service: pushService }, { database: neo4j.database });
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

// The tests of one stage run at once, each on services of its own. The storm counts every heal reserved in the shared
// Neo4j, so it runs before any heal but the grouping's is asked for; the policy edit changes what every watch follows,
// so it runs last, alone.
describe('autopilot', () => {
  describe('first, while only the grouping and the storm heal', () => {
    it.concurrent('watches every service its policy names, seeing their containers', async ({ expect }) => {
      for (const service of [autoService, shadowService, approveService, offService, suggestService]) {
        const s = await untilWatch(service, `${service} watched twice`, (w) => w.samples >= 2);
        expect(s.phase).toBe('watching');
        expect(s.containers).toEqual([expect.objectContaining({ health: 'healthy' })]);
        expect(s.incident).toBeNull();
      }
    });

    it.concurrent('storm: services unhealthy at once never overrun the heal budget reserved in Neo4j; the heals beyond it are refused and escalated', async ({ expect }) => {
      const settled = await Promise.all(stormServices.map((service) => untilWatch(service, `${service} settled`, (w) => w.incident !== null && w.incident.lastOutcome !== null && w.incident.inFlight === null)));
      const outcomes = settled.map((w) => w.incident!.lastOutcome);
      expect(outcomes.filter((o) => o !== 'verified' && o !== 'refused')).toEqual([]);
      const refused = stormServices.filter((_, i) => outcomes[i] === 'refused');
      const ran = stormServices.filter((_, i) => outcomes[i] === 'verified');
      // Eight heals at once and room for at most STORM_BUDGET more (older reservations can only age out of the window).
      expect(refused.length).toBeGreaterThanOrEqual(1);
      // Of the main stack's heals only the grouping's runs alongside (the others wait for this test): room for one more.
      expect(ran.length).toBeGreaterThanOrEqual(1);
      // Escalated at once, with attempts left (AUTOPILOT_MAX_ATTEMPTS 2): a second attempt would be refused the same way.
      for (const w of settled.filter((x) => x.incident!.lastOutcome === 'refused')) {
        expect(w.incident, w.service).toMatchObject({ status: 'escalated', attempts: 1, escalation: expect.stringContaining('the safety envelope refused the heal') });
      }
      const reservations = await cypher(
        'MATCH (r:HealBudgetReservation) WHERE r.service IN $services RETURN r.service AS service, r.at AS at',
        { services: stormServices },
      );
      expect(reservations.map((r) => r.service).sort()).toEqual([...ran].sort());
      // The budget's promise, from Neo4j: at every reservation of the storm, the window holds at most the budget. The
      // grouping's heal runs at the same moment on the main stack, under that stack's own, larger budget: dated a few
      // ms before a storm reservation, it may still commit after the storm's last grant (a clean-clone run saw 18 of
      // 17), so the window leaves it out; whether it came first or not, the storm gets at most STORM_BUDGET.
      expect(ran.length).toBeLessThanOrEqual(STORM_BUDGET);
      for (const r of reservations) {
        const at = Number(r.at);
        const [row] = await cypher('MATCH (x:HealBudgetReservation) WHERE x.at >= $since AND x.at <= $at AND x.service <> $group RETURN count(x) AS n', { since: at - 3600_000, at, group: groupService });
        expect(Number(row?.n)).toBeLessThanOrEqual(stormBudgetMax);
      }
      for (const service of stormServices) {
        const rows = await cypher(
          `MATCH (:Service {name: $service})-[:HAD_INCIDENT]->(i:Incident)-[:DECIDED]->(d:AutopilotDecision)-[:STARTED]->(a:HealingAttempt)
           RETURN count(DISTINCT i) AS incidents, count(DISTINCT d) AS decisions, collect(a.outcome) AS outcomes`,
          { service },
        );
        expect(rows.map((r) => [Number(r.incidents), Number(r.decisions), r.outcomes]), service).toEqual([[1, 1, [refused.includes(service) ? 'refused' : 'verified']]]);
        const [c] = await docker.listContainers({ all: true, filters: { label: [`selfheal.service=${service}`] } });
        const restarted = (await startedAt(c!.Id)) !== stormStartedAt[service];
        // A refused heal ran nothing: its container is exactly as the storm left it.
        expect(restarted, service).toBe(!refused.includes(service));
        if (refused.includes(service)) {
          const heal = (await client.workflow.getHandle(healWorkflowId(service)).result()) as HealStatus;
          expect(heal.reasons.some((r) => r.startsWith('budget')), JSON.stringify(heal.reasons)).toBe(true);
        }
      }
    });

    it.concurrent('grouping: two replicas unhealthy at once are one incident, one decision and one heal that restarts both', async ({ expect }) => {
      const heal = client.workflow.getHandle(healWorkflowId(groupService));
      await waitFor(() => workflowExists(client, healWorkflowId(groupService)), 60_000, 'the autopilot to start a heal');
      const result = (await heal.result()) as HealStatus;
      expect(result).toMatchObject({ outcome: 'verified', applied: true });
      expect(result.plan?.steps.map((s) => s.target.name).sort()).toEqual(groupContainers.map((c) => c.name).sort());
      const resolved = await untilWatch(groupService, 'the incident resolved', (w) => w.incident?.status === 'resolved');
      expect(resolved.incident?.troubles).toEqual(expect.arrayContaining(groupContainers.map((c) => `container:${c.name}:unhealthy`)));
      const rows = await cypher(
        `MATCH (:Service {name: $service})-[:HAD_INCIDENT]->(i:Incident)
         OPTIONAL MATCH (i)-[:DECIDED]->(d:AutopilotDecision)
         OPTIONAL MATCH (i)-[:REMEDIATED_BY]->(a:HealingAttempt)
         RETURN i.attempts AS attempts, collect(DISTINCT d.id) AS decisions, collect(DISTINCT a.id) AS heals`,
        { service: groupService },
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ decisions: [expect.any(String)], heals: [result.attempt_id] });
      expect(Number(rows[0]?.attempts)).toBe(1);
    });

    it.concurrent('a service seen through its Prometheus target is analysed, and blind naming the target while it answers 503', async ({ expect }) => {
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

    it.concurrent('a service fed only by pushes is blind while nothing is pushed; a pushed batch is analysed and its anomaly opens an incident', async ({ expect }) => {
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

  describe('then each level on its own service', () => {
    it.concurrent('auto: an unhealthy container is restarted and verified with no REST call: one incident, one decision, one heal', async ({ expect }) => {
      const before = await startedAt(autoContainer.name);
      await breakHealthCheck(autoContainer.name);
      // The heal is the watch's child; wait for it to exist, then for its end.
      await waitFor(() => workflowExists(client, healWorkflowId(autoService)), 60_000, 'the autopilot to start a heal');
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

    it.concurrent('approve: the heal waits and a webhook asks for approval; a person rejects it and a webhook says it is escalated', async ({ expect }) => {
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

    it.concurrent('suggest: the offer is announced and shown; a person starts it through the API and is its actor; why at that moment walks the graph', async ({ expect }) => {
      await breakHealthCheck(suggestContainer.name);
      const offered = await receiver.waitFor((d) => d.path === '/hooks/generic' && d.body['type'] === 'heal.suggested' && d.body['service'] === suggestService, 'heal.suggested');
      const decision = offered.body['decision'] as { id: string; level: string; strategy: string };
      const start = `/api/self_healing/autopilot/decisions/${encodeURIComponent(decision.id)}/start`;
      expect(offered.body).toMatchObject({ decision: { level: 'suggest', strategy: 'restart_unhealthy' }, links: { start } });
      // Nothing is started until someone agrees.
      await expect(client.workflow.getHandle(healWorkflowId(suggestService)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
      const listed = await stack.call('GET', `/api/self_healing/autopilot/incidents?service=${suggestService}`, undefined, 'viewer');
      expect(listed.body.items[0].decisions).toEqual([expect.objectContaining({ id: decision.id, level: 'suggest', start })]);

      const started = await stack.call('POST', start, undefined, 'operator', 'carol');
      expect(started.status).toBe(202);
      const heal = client.workflow.getHandle(healWorkflowId(suggestService));
      expect(((await heal.result()) as HealStatus).outcome).toBe('verified');
      const attempts = await cypher('MATCH (:Service {name: $service})-[:HAS_ATTEMPT]->(a:HealingAttempt) RETURN a.actor AS actor, a.id AS id', { service: suggestService });
      expect(attempts).toEqual([{ actor: 'carol', id: started.body.run_id }]);

      await untilWatch(suggestService, 'the incident resolved', (w) => w.incident?.status === 'resolved');
      const [item] = (await stack.call('GET', `/api/self_healing/autopilot/incidents?service=${suggestService}`, undefined, 'viewer')).body.items;
      // The watch does not wait for a heal a person started: the incident may resolve (clean samples) before the heal's
      // own verification ends.
      const kinds: string[] = item.timeline.map((e: { kind: string }) => e.kind);
      expect(kinds.slice(0, 2)).toEqual(['opened', 'decision']);
      expect([...kinds].sort()).toEqual(['decision', 'heal_finished', 'heal_started', 'opened', 'resolved', 'suggestion_taken']);
      expect(kinds.indexOf('heal_started')).toBeLessThan(kinds.indexOf('heal_finished'));
      const healStarted = item.timeline.find((e: { kind: string }) => e.kind === 'heal_started');
      expect(item.decisions[0]).toMatchObject({ acceptedBy: 'carol', start: null });

      const at = new Date(healStarted.at + 1).toISOString();
      const why = await stack.call('GET', `/api/self_healing/why/autopilot?service=${suggestService}&at=${encodeURIComponent(at)}`, undefined, 'viewer');
      expect(why.status).toBe(200);
      expect(why.body).toMatchObject({
        incident: { id: item.incident.id, troubles: [`container:${suggestContainer.name}:unhealthy`] },
        diagnoses: expect.arrayContaining([expect.objectContaining({ issueType: 'crash_loop', recommended: expect.arrayContaining(['restart_unhealthy']) })]),
        decisions: [{ id: decision.id, level: 'suggest', policyRule: `services.${suggestService}.strategies.restart_unhealthy`, acceptedBy: 'carol', policy: { source: `file:${policyFile}` }, attempt: { id: started.body.run_id, outcome: 'verified', actor: 'carol' } }],
      });
      expect(why.body.answer).toContain(`suggest under services.${suggestService}.strategies.restart_unhealthy`);
      // Before the incident opened there was nothing to decide.
      const earlier = await stack.call('GET', `/api/self_healing/why/autopilot?service=${suggestService}&at=${encodeURIComponent(new Date(item.incident.openedAt - 1).toISOString())}`, undefined, 'viewer');
      expect(earlier.body).toMatchObject({ incident: null, decisions: [], answer: `no incident of ${suggestService} was active then, so there was nothing to decide` });
    });

    describe.concurrent('shadow, then its containers gone', () => {
      it.sequential('shadow: the incident gets the decision that would have been taken, and the container is left alone', async ({ expect }) => {
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

      it.sequential('blind: a service whose containers are gone is blind, in the query and in the audit, and that is no health', async ({ expect }) => {
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
    });

    describe.concurrent('off, then its trouble gone by itself', () => {
      it.sequential('off: the decision not to act is recorded, nothing is offered or started, and the container is left alone', async ({ expect }) => {
        const before = await docker.getContainer(offContainer.name).inspect();
        await makeUnhealthy(offContainer.name);
        await untilWatch(offService, 'an off decision', (w) => w.incident?.needsDecision === false);
        const decisions = await cypher(
          `MATCH (:Service {name: $service})-[:HAD_INCIDENT]->(:Incident)-[:DECIDED]->(d:AutopilotDecision) RETURN d.level AS level, d.action AS action, d.policyRule AS rule, d.offer AS offer`,
          { service: offService },
        );
        expect(decisions).toEqual([{ level: 'off', action: 'record', rule: `services.${offService}.default`, offer: null }]);
        await expect(client.workflow.getHandle(healWorkflowId(offService)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
        expect(receiver.accepted.filter((d) => d.body['service'] === offService && d.path === '/hooks/generic').map((d) => d.body['type'])).toEqual(['incident.opened']);
        expect((await docker.getContainer(offContainer.name).inspect()).State.StartedAt).toBe(before.State.StartedAt);
      });

      it.sequential('shadow comparisons: each shadow decision against what its incident did next, per (service, strategy)', async ({ expect }) => {
        // The off service's trouble goes away by itself; the shadow service's stays.
        await restoreHealthCheck(offContainer.name);
        await untilWatch(offService, 'the off incident resolved by itself', (w) => w.incident?.status === 'resolved');
        // The shadow test runs alongside: its decision must be there before it is compared.
        await untilWatch(shadowService, 'the shadow decision', (w) => w.incident?.needsDecision === false);
        const res = await stack.call('GET', `/api/self_healing/autopilot/shadow?service=${shadowService}`, undefined, 'viewer');
        expect(res.status).toBe(200);
        expect(res.body.strategies).toEqual([
          expect.objectContaining({ service: shadowService, strategy: 'restart_unhealthy', decisions: 1, self_resolved: 0, still_active: 1, healed_later: 0, median_self_resolved_ms: null }),
        ]);
      });
    });
  });

  it('an admin edits the policy through the API: audited, a new service watched in shadow, removed ones end, no restart', async () => {
    const refused = await stack.call('PUT', '/api/self_healing/autopilot/policy', { services: { [autoService]: {} } }, 'operator');
    expect(refused.status).toBe(403);
    const bad = await stack.call('PUT', '/api/self_healing/autopilot/policy', { services: { [autoService]: { strategies: { restart_unhealthy: 'always' } } } }, 'admin');
    expect([bad.status, bad.body.field]).toEqual([400, `services.${autoService}.strategies.restart_unhealthy`]);

    const before = await stack.call('GET', '/api/self_healing/autopilot/policy', undefined, 'viewer');
    expect(before.body).toMatchObject({ source: `file:${policyFile}` });
    const doc = { services: { [autoService]: { strategies: { restart_unhealthy: 'auto' } }, [addedService]: {} } };
    const put = await stack.call('PUT', '/api/self_healing/autopilot/policy', doc, 'admin', 'root');
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ changed: true, previous_version: before.body.version, watched: [autoService, addedService].sort(), watch_error: null });
    expect(put.body.watches_started).toEqual(expect.arrayContaining([watchWorkflowId(addedService)]));
    expect((await stack.call('GET', '/api/self_healing/autopilot/policy', undefined, 'viewer')).body).toMatchObject({ version: put.body.version, source: 'api', updated_by: 'root' });
    const changes = await cypher('MATCH (:AutopilotPolicy {id: $policyId})-[:CHANGED]->(c:PolicyChange {newVersion: $v}) RETURN c.actor AS actor, c.oldVersion AS old', { v: put.body.version, policyId: stack.config.autopilot.policyId });
    expect(changes).toEqual([{ actor: 'root', old: before.body.version }]);

    // The new service is watched at once; its trouble gets a shadow decision (new services default to shadow).
    await untilWatch(addedService, 'the added service watched', (w) => w.phase === 'watching');
    await makeUnhealthy(addedContainer.name);
    await untilWatch(addedService, 'a decision on the added service', (w) => w.incident?.needsDecision === false);
    const decided = await cypher('MATCH (:Service {name: $service})-[:HAD_INCIDENT]->(:Incident)-[:DECIDED]->(d) RETURN d.level AS level, d.policyVersion AS version, d.policySource AS source', { service: addedService });
    expect(decided).toEqual([{ level: 'shadow', version: put.body.version, source: 'api' }]);
    // Services no longer named end their watch at their next sample.
    for (const gone of [offService, suggestService]) {
      await waitFor(async () => (await client.workflow.getHandle(watchWorkflowId(gone)).describe()).status.name === 'COMPLETED', 30_000, `${gone}'s watch to end`);
    }
  });
});
