// Docker only through the API and each request's allowlist: a bystander container outside it survives every dry run
// and apply the test can make (hostile and look-alike references included), while the allowed container really is
// acted on; an applied heal records the token's subject and the request id; an allowlisted http_probe that
// redirects is not followed.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../helpers/stack';
import { createServiceContainer, docker, makeUnhealthy, removeContainers, startedAt, waitFor } from '../../helpers/containers';

const run = randomUUID().slice(0, 8);
const service = `sec-ok-${run}`;
const bystanderService = `sec-bystander-${run}`;
const probeService = `sec-probe-${run}`;
const hits: string[] = [];
let probeServer: http.Server;
let probeBase: string;
let stack: TestStack;
let driver: Driver;
let allowed: { name: string; id: string };
let bystander: { name: string; id: string };

beforeAll(async () => {
  probeServer = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/redirect') res.writeHead(302, { location: `${probeBase}/forbidden` }).end();
    else res.writeHead(200).end('reached');
  });
  await new Promise<void>((resolve) => probeServer.listen(0, '127.0.0.1', resolve));
  probeBase = `http://127.0.0.1:${(probeServer.address() as AddressInfo).port}`;
  stack = await startTestStack({ VERIFY_HTTP_ALLOWLIST: `${probeBase}/redirect`, VERIFY_ATTEMPTS: '3' });
  driver = neo4j.driver(stack.config.neo4j.uri);
  [allowed, bystander] = await Promise.all([createServiceContainer(service), createServiceContainer(bystanderService)]);
});

afterAll(async () => {
  probeServer?.closeAllConnections();
  probeServer?.close();
  for (const s of [service, bystanderService, probeService]) await removeContainers({ label: `selfheal.service=${s}` });
  await driver?.close();
  await stack?.stop();
});

const diagnosis = (svc: string, strategies: string[]) => ({ issue_type: 'degradation', root_cause: 'errors', confidence: 0.8, impacted_components: [svc], recommended_strategies: strategies });

/** POST /heal with a token of `sub`; the answer with its x-request-id. */
async function healRequest(body: Record<string, unknown>, sub = 'security-operator') {
  const res = await fetch(`${stack.baseUrl}/api/self_healing/heal`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.token('operator', sub)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any>, requestId: res.headers.get('x-request-id') };
}

async function finished(workflowId: string) {
  let status: Record<string, any> = {};
  await waitFor(async () => {
    status = (await stack.call('GET', `/api/self_healing/heal/${workflowId}`, undefined, 'viewer')).body;
    return status.phase === 'completed';
  }, 120_000, `${workflowId} to complete`);
  return status;
}

const stateOf = async (id: string) => {
  const s = (await docker.getContainer(id).inspect()).State;
  return { startedAt: s.StartedAt, status: s.Status, paused: s.Paused, restarting: s.Restarting };
};

describe('a container outside the allowlist', () => {
  it('survives every dry run and apply, while the allowed container is restarted; the attempt names its actor and request', async () => {
    const before = await stateOf(bystander.id);
    const allowedBefore = await startedAt(allowed.name);
    const context = { services: [service], containers: [allowed.name] };
    const refs = [bystander.id.slice(0, 6), bystander.id.slice(0, 11), `/${bystander.name}`, `${bystander.name} `, `${allowed.name}/../${bystander.name}`, bystander.name.toUpperCase(), `${bystander.name}*`];
    const statuses: number[] = [];
    for (const strategy of ['restart_unhealthy', 'rolling_restart', 'scale_service', 'apply_backpressure', 'observe']) {
      for (const dry_run of [true, false]) {
        // The bystander's own service, not in context.services, and look-alike references to the bystander.
        statuses.push((await healRequest({ issue: { diagnosis: diagnosis(bystanderService, [strategy]) }, service: bystanderService, context, strategy, dry_run })).status);
        for (const ref of refs) statuses.push((await healRequest({ issue: { diagnosis: diagnosis(service, [strategy]) }, context: { ...context, containers: [ref] }, strategy, dry_run })).status);
      }
    }
    expect(statuses.filter((s) => ![200, 400, 409, 422].includes(s))).toEqual([]);
    expect(statuses.filter((s) => s === 400).length).toBeGreaterThanOrEqual(10 * 5);

    // The one real apply: the allowed container, unhealthy, restarted.
    await makeUnhealthy(allowed.name);
    const applied = await healRequest({ issue: { diagnosis: diagnosis(service, ['restart_unhealthy']) }, context, strategy: 'restart_unhealthy', dry_run: false, verify: [{ name: 'container_health' }] }, 'alice@ops');
    expect(applied.status, JSON.stringify(applied.body.reasons ?? applied.body)).toBe(202);
    const status = await finished(applied.body.workflow_id);
    expect(status.outcome).toBe('verified');
    expect(await startedAt(allowed.name)).not.toBe(allowedBefore);
    expect(await stateOf(bystander.id)).toEqual(before);

    const { records } = await driver.executeQuery('MATCH (a:HealingAttempt {id: $id}) RETURN a.actor AS actor, a.requestId AS requestId, a.applied AS applied', { id: status.attempt_id });
    expect(records.map((r) => r.toObject())).toEqual([{ actor: 'alice@ops', requestId: applied.requestId, applied: true }]);
    expect(applied.requestId).toMatch(/^[0-9a-f-]{36}$/);
  }, 300_000);
});

describe('an allowlisted http_probe that redirects', () => {
  it('is reported as the redirect it is and never followed', async () => {
    const target = await createServiceContainer(probeService);
    await makeUnhealthy(target.name);
    const res = await healRequest({
      issue: { diagnosis: diagnosis(probeService, ['restart_unhealthy']) },
      context: { services: [probeService], containers: [target.name] },
      strategy: 'restart_unhealthy',
      dry_run: false,
      verify: [{ name: 'http_probe', params: { url: `${probeBase}/redirect`, timeout_ms: 1000 } }],
    });
    expect(res.status, JSON.stringify(res.body.reasons ?? res.body)).toBe(202);
    const status = await finished(res.body.workflow_id);
    expect(status.verified).toBe(false);
    expect(hits).toContain('/redirect');
    expect(hits).not.toContain('/forbidden');
  }, 180_000);
});
