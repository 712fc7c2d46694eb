// Shared by the heal end-to-end tests: request bodies, waiting on a heal through the API, reading its audit from
// Neo4j, Docker's timed event log, and cleanup by service name.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Driver } from 'neo4j-driver';
import type { HealStatus } from '../../src/domain/heal';
import { createServiceContainer, docker, makeUnhealthy, removeContainers, waitFor } from './containers';
import type { TestStack } from './stack';

export function healBody(service: string, strategy: string, extra: Record<string, unknown> = {}) {
  return {
    issue: {
      diagnosis: {
        issue_type: 'degradation',
        root_cause: 'test: elevated error rate',
        confidence: 0.9,
        impacted_components: [service],
        recommended_strategies: [strategy],
      },
    },
    service,
    strategy,
    dry_run: false,
    ...extra,
  };
}

/** Makes an unhealthy container of `service` and starts an applied restart_unhealthy verified for `holdSeconds`. */
export async function startRestartHeal(stack: TestStack, service: string, holdSeconds: number): Promise<{ workflowId: string; attemptId: string }> {
  const container = await createServiceContainer(service);
  await makeUnhealthy(container.name);
  const res = await stack.call(
    'POST',
    '/api/self_healing/heal',
    healBody(service, 'restart_unhealthy', {
      context: { services: [service], containers: [container.name] },
      verify: [{ name: 'container_health', params: { hold_seconds: holdSeconds } }],
    }),
  );
  if (res.status !== 202) throw new Error(`POST heal: ${res.status} ${JSON.stringify(res.body)}`);
  return { workflowId: res.body.workflow_id, attemptId: res.body.run_id };
}

export type HealView = HealStatus & { workflow_status: string };

export async function healStatus(stack: TestStack, workflowId: string): Promise<HealView> {
  const res = await stack.call('GET', `/api/self_healing/heal/${workflowId}`, undefined, 'viewer');
  if (res.status !== 200) throw new Error(`GET heal ${workflowId}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as HealView;
}

/** Polls the heal's live status (a workflow query) until `until` holds; by default until the workflow closed. */
export async function waitForHeal(
  stack: TestStack,
  workflowId: string,
  until: (s: HealView) => boolean = (s) => s.phase === 'completed' && s.workflow_status !== 'RUNNING',
  timeoutMs = 90_000,
): Promise<HealView> {
  let last: HealView | undefined;
  await waitFor(
    async () => {
      last = await healStatus(stack, workflowId).catch(() => undefined);
      return last !== undefined && until(last);
    },
    timeoutMs,
    `heal ${workflowId} (last seen: phase ${last?.phase}, steps ${last?.steps.map((s) => s.step).join(',')})`,
  );
  return last!;
}

/** Whether a workflow of this id exists, in any state: for waiting until a watch has started its heal. */
export function workflowExists(client: Client, workflowId: string): Promise<boolean> {
  return client.workflow.getHandle(workflowId).describe().then(
    () => true,
    (err: unknown) => (err instanceof WorkflowNotFoundError ? false : Promise.reject(err)),
  );
}

export const hasStep = (step: string) => (s: HealView) => s.steps.some((x) => x.step === step);

export interface AuditView {
  attempt: Record<string, any>;
  steps: Record<string, any>[];
  /** The learner's StrategyOutcome for the attempt, or null when it has none. */
  outcome: Record<string, any> | null;
}

export async function auditOf(driver: Driver, attemptId: string): Promise<AuditView> {
  const { records } = await driver.executeQuery(
    `MATCH (a:HealingAttempt {id: $id})
     OPTIONAL MATCH (a)-[:HAS_STEP]->(st:HealStep)
     WITH a, st ORDER BY st.seq
     WITH a, collect(st {.*}) AS steps
     OPTIONAL MATCH (o:StrategyOutcome {attemptId: $id})
     RETURN a {.*} AS attempt, steps, o {.*} AS outcome`,
    { id: attemptId },
  );
  if (records.length === 0) throw new Error(`no HealingAttempt ${attemptId} in Neo4j`);
  const r = records[0]!;
  const steps = (r.get('steps') as Record<string, any>[]).map((s) => ({ ...s, seq: Number(s.seq), at: Number(s.at) }));
  return { attempt: r.get('attempt'), steps, outcome: r.get('outcome') };
}

export interface DockerEvent {
  action: string;
  name: string;
  /** Nanoseconds since the epoch, as the engine stamped it. */
  timeNano: bigint;
}

export interface DockerEventWatch {
  events: DockerEvent[];
  stop(): void;
}

/**
 * Collects the container events of `names` as they happen, health transitions included, exec noise left out. Live,
 * because the engine keeps only its last 256 events for `since` queries, and health checks fill that in seconds.
 */
export async function watchDockerEvents(names: string[]): Promise<DockerEventWatch> {
  const stream = (await docker.getEvents({ filters: { type: ['container'], container: names } })) as NodeJS.ReadableStream & { destroy(): void };
  const events: DockerEvent[] = [];
  let partial = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines.filter(Boolean)) {
      const e = JSON.parse(line) as { Action: string; Actor: { Attributes: { name?: string } } };
      if (e.Action.startsWith('exec_')) continue;
      // timeNano does not fit a JS number: read its digits from the text.
      events.push({ action: e.Action, name: e.Actor.Attributes.name ?? '', timeNano: BigInt(/"timeNano":(\d+)/.exec(line)![1]!) });
    }
  });
  return { events, stop: () => stream.destroy() };
}

/** Removes the service's containers (replicas included) and its audit, attempts and learning outcomes. */
export async function cleanUpService(driver: Driver, service: string): Promise<void> {
  await removeContainers({ label: `selfheal.service=${service}` });
  await driver.executeQuery(
    `MATCH (s:Service {name: $service})
     OPTIONAL MATCH (s)-[:HAS_ATTEMPT]->(a:HealingAttempt)
     OPTIONAL MATCH (a)-[:HAS_STEP|OUTCOME]->(x)
     OPTIONAL MATCH (c:StrategyChoice {attemptId: a.id})
     DETACH DELETE x, c, a, s`,
    { service },
  );
  // Its budget reservations too: left behind, they would count against the global heal budget of whoever uses the
  // same database next (the demo of `npm start`, say) for the rest of the budget window.
  await driver.executeQuery('MATCH (r:HealBudgetReservation {service: $service}) DELETE r', { service });
}
