// Hostile names through the real API: Cypher, shell, path traversal, look-alike unicode, NUL and very long strings
// in every name field are refused with a 400 naming the field; free text is stored verbatim as a query parameter
// (a sentinel node survives); http_probe URLs outside VERIFY_HTTP_ALLOWLIST are refused (no request is ever sent).
import { randomUUID } from 'node:crypto';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../helpers/stack';

const HOSTILE = [
  "x'}) DETACH DELETE n //",
  'x"}) MATCH (n) DETACH DELETE n RETURN 1 //',
  '$(reboot)',
  '`reboot`',
  'api; rm -rf / #',
  '../..',
  '..%2F..%2Fetc%2Fpasswd',
  'api\u0000',
  'ａｐｉ',
  'аpi',
  'api🙂',
  '{{7*7}}',
  '<script>alert(1)</script>',
  `a${'b'.repeat(5000)}`,
];
const service = `sec-${randomUUID().slice(0, 8)}`;
const diagnosis = { issue_type: 'degradation', root_cause: 'errors', confidence: 0.8, impacted_components: [service], recommended_strategies: ['restart_unhealthy'] };
const heal = (extra: Record<string, unknown>) => ({ issue: { diagnosis }, service, context: { services: [service] }, ...extra });
const sentinel = randomUUID();

let stack: TestStack;
let driver: Driver;

beforeAll(async () => {
  stack = await startTestStack({ VERIFY_HTTP_ALLOWLIST: 'http://127.0.0.1:3000/health' });
  driver = neo4j.driver(stack.config.neo4j.uri);
  await driver.executeQuery('CREATE (:SecuritySentinel {id: $id})', { id: sentinel });
});

afterAll(async () => {
  await driver?.executeQuery('MATCH (s:SecuritySentinel {id: $id}) DELETE s', { id: sentinel });
  await driver?.close();
  await stack?.stop();
});

const shorten = (field: string) => (field.length > 200 ? `${field.slice(0, 200)}…` : field);

describe('hostile names', () => {
  it('are refused in every name field with a 400 naming the field', async () => {
    const cases: [string, string, unknown, string][] = HOSTILE.flatMap((h): [string, string, unknown, string][] => [
      ['POST', '/analyze', { service: h, metrics: { cpu_load: 0.5 } }, 'service'],
      ['POST', '/analyze', { metrics: { [h]: 0.5 } }, shorten(`metrics.${h}`)],
      ['POST', '/analyze', { metrics: { cpu_load: 0.5 }, context: { containers: [h] } }, 'context.containers.0'],
      ['POST', '/heal', heal({ service: h }), 'service'],
      ['POST', '/heal', heal({ context: { services: [h] } }), 'context.services.0'],
      ['POST', '/heal', heal({ context: { services: [service], containers: [h] } }), 'context.containers.0'],
      ['POST', '/heal', heal({ context: { services: [service], queues: [h] } }), 'context.queues.0'],
      ['POST', '/heal', heal({ strategy: h }), 'strategy'],
      ['POST', '/heal', heal({ issue: { diagnosis: { ...diagnosis, impacted_components: [h] } } }), 'issue.diagnosis.impacted_components.0'],
      ['GET', `/anomalies?service=${encodeURIComponent(h)}`, undefined, 'service'],
      ['GET', `/snapshots?metric=${encodeURIComponent(h)}`, undefined, 'metric'],
      ['GET', `/why?service=${encodeURIComponent(h)}`, undefined, 'service'],
      ['GET', `/baselines?service=${encodeURIComponent(h)}`, undefined, 'service'],
      ...(encodeURIComponent(h).length <= 256
        ? ([
            ['GET', `/heal/${encodeURIComponent(h)}`, undefined, 'id'],
            ['GET', `/attempts/${encodeURIComponent(h)}`, undefined, 'id'],
            ['POST', `/heal/${encodeURIComponent(h)}/cancel`, {}, 'id'],
          ] as [string, string, unknown, string][])
        : []),
    ]);
    const wrong: string[] = [];
    for (const [method, path, body, field] of cases) {
      const res = await stack.call(method, `/api/self_healing${path}`, body);
      if (res.status !== 400 || res.body.field !== field) wrong.push(`${method} ${path.slice(0, 80)}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
    expect(cases.length).toBeGreaterThan(HOSTILE.length * 13);
  });

  it('in free text are stored verbatim as parameters, and the graph is intact', async () => {
    const hostile = HOSTILE[0]!;
    const res = await stack.call('POST', '/api/self_healing/heal', {
      ...heal({}),
      issue: {
        diagnosis: {
          ...diagnosis,
          root_cause: hostile,
          hypotheses: [{ rule_id: HOSTILE[1]!, ...diagnosis, root_cause: hostile, evidence: [{ kind: 'context', detail: HOSTILE[2]! }] }],
        },
      },
    });
    expect(res.status).toBe(200);
    const { records } = await driver.executeQuery('MATCH (a:HealingAttempt {id: $id}) RETURN a.rootCause AS rootCause, a.actor AS actor', { id: res.body.plan.attempt_id });
    expect(records.map((r) => r.get('rootCause'))).toEqual([hostile]);
    const survivors = await driver.executeQuery('MATCH (s:SecuritySentinel {id: $id}) RETURN count(s) AS n', { id: sentinel });
    expect(survivors.records[0]!.get('n').toNumber()).toBe(1);
    const services = await driver.executeQuery('MATCH (s:Service {name: $service}) RETURN count(s) AS n', { service });
    expect(services.records[0]!.get('n').toNumber()).toBe(1);
  });
});

describe('SSRF: http_probe verifiers', () => {
  const outside = [
    'http://169.254.169.254/latest/meta-data/',
    'http://169.254.169.254:3000/health',
    'file:///etc/passwd',
    'gopher://127.0.0.1:3000/_',
    'http://10.0.0.1:3000/health',
    'http://127.0.0.1:3000@169.254.169.254/health',
    'http://user:secret@127.0.0.1:3000/health',
    'http://127.0.0.1:3000/health/../../admin',
    'http://127.0.0.1:3000/%2e%2e/admin',
    'http://127.0.0.1:3000/healthz',
    'http://127.0.0.1:30000/health',
    'https://127.0.0.1:3000/health',
    'http://localhost:3000/health',
    'http://[::1]:3000/health',
    'not a url',
  ];

  it('outside VERIFY_HTTP_ALLOWLIST are refused with a 400 naming the verifier, in verify and in context.verify', async () => {
    for (const url of outside) {
      const probe = { name: 'http_probe', params: { url } };
      for (const body of [heal({ verify: [probe] }), heal({ context: { services: [service], verify: probe } })]) {
        const res = await stack.call('POST', '/api/self_healing/heal', body);
        expect(res.status, url).toBe(400);
        expect(res.body.field, url).toBe('verify.0');
        expect(res.body.message, url).toContain('is not under an allowed prefix (http://127.0.0.1:3000/health)');
      }
    }
  });

  it('nested in all/any are refused too, and an allowlisted one is accepted', async () => {
    const nested = { name: 'any', params: { verifiers: [{ name: 'container_health' }, { name: 'http_probe', params: { url: outside[0] } }] } };
    expect((await stack.call('POST', '/api/self_healing/heal', heal({ verify: [nested] }))).status).toBe(400);
    const ok = await stack.call('POST', '/api/self_healing/heal', heal({ verify: [{ name: 'http_probe', params: { url: 'http://127.0.0.1:3000/health/deep' } }] }));
    expect(ok.status).toBe(200);
  });
});
