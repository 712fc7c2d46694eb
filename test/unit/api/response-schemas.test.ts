// Typed success responses: a response schema is also fast-json-stringify's serializer, which drops every property it
// does not declare. Full handler results (every optional field present) go through the real app (buildApp, in-memory
// fakes) unchanged, and the OpenAPI document has no open `{}` 2xx schema left (only /metrics is text).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { buildApp } from '../../../src/api/app';
import { loadConfig } from '../../../src/config';
import { signToken } from '../../../src/auth/jwt';
import type { AnalyzeResult, HealPlan, HealStatus } from '../../../src/domain/heal';
import type { LearningStat, StrategyOutcome } from '../../../src/domain/types';
import type { AttemptWithSteps } from '../../../src/adapters/neo4j/audit-records';
import type { WhyAnswer } from '../../../src/adapters/neo4j/why-query';
import { listStrategies } from '../../../src/domain/strategies';
import { FakeAutopilotApi } from '../../fakes/autopilot-api';

const config = loadConfig({ LOG_LEVEL: 'silent' });
const operator = signToken(config, { sub: 'alice', role: 'operator' });

const diagnosis = {
  issue_type: 'degradation',
  root_cause: 'error rate far above its baseline',
  confidence: 0.8,
  impacted_components: ['checkout'],
  recommended_strategies: ['restart_unhealthy'],
  hypotheses: [
    {
      rule_id: 'errors',
      issue_type: 'degradation',
      root_cause: 'error rate far above its baseline',
      confidence: 0.8,
      impacted_components: ['checkout'],
      recommended_strategies: ['restart_unhealthy'],
      evidence: [{ kind: 'anomaly' as const, metric: 'error_rate', detail: 'error_rate is 4σ above' }],
    },
  ],
};
const anomaly = {
  metric: 'error_rate',
  value: 0.08,
  baseline: 0.01,
  std: 0.005,
  zscore: 14,
  score: 0.99,
  severity: 'high' as const,
  direction: 'above' as const,
  hint: 'error_rate 0.08 is 14σ above its baseline 0.01',
  late: true as const,
  episode: 'opened' as const,
  episode_opened_at: '2026-01-01T00:00:00.000Z',
};
const analyzeResult: AnalyzeResult = {
  workflow_id: 'analyze-checkout-1',
  service: 'checkout',
  at: '2026-01-01T00:00:00.000Z',
  anomalies: [anomaly],
  diagnosis,
  sample_counts: { error_rate: 12 },
  late_metrics: ['error_rate'],
};
const plan: HealPlan = {
  attempt_id: 'run-1',
  workflow_id: 'heal-checkout',
  service: 'checkout',
  dry_run: false,
  issue_type: 'degradation',
  root_cause: 'error rate far above its baseline',
  strategy: 'restart_unhealthy',
  risk: 'low',
  selection: { method: 'thompson', reason: 'highest sample', candidates: ['restart_unhealthy'], samples: [{ strategy: 'restart_unhealthy', sample: 0.7, posteriorMean: 0.6 }] },
  steps: [
    {
      index: 0,
      action: 'restart_container',
      target: { kind: 'container', id: 'abc123abc123', name: 'checkout-1' },
      params: { startedAtBefore: '2026-01-01T00:00:00Z', template: 't', replicas: 1, maxLength: 10, waitHealthySeconds: 5 },
      expected_effect: 'a fresh process',
      rollback: { action: null, description: 'a restart is not undone' },
    },
  ],
  safety_checks: [{ name: 'cooldown', passed: true, detail: 'none in the last 300s' }],
  allowed: true,
  requires_approval: true,
  approval_reasons: ['circuit breaker open'],
  circuit_breaker_open: true,
  approval_timeout_seconds: 600,
  backpressure_release_seconds: 900,
  verifiers: [
    { name: 'container_health', params: { hold_seconds: 4 } },
    { name: 'all', params: { verifiers: [{ name: 'metric_recheck', params: { metrics: ['error_rate'], k: 3, intervals: 2 } }] } },
  ],
  verification: { interval_seconds: 5, max_checks: 12, consecutive_required: 2 },
};
const status: HealStatus = {
  workflow_id: 'heal-checkout',
  run_id: 'run-1',
  attempt_id: 'run-1',
  service: 'checkout',
  dry_run: false,
  phase: 'awaiting_approval',
  outcome: null,
  plan,
  steps: [{ seq: 1, step: 'plan', status: 'ok', detail: 'planned', at: 1 }],
  verified: false,
  applied: false,
  reasons: ['waiting for a person'],
};
const step = { id: 'run-1:1', attemptId: 'run-1', seq: 1, step: 'act', status: 'ok' as const, action: 'restart_container', target: 'abc123abc123', detail: 'restarted', data: { any: { nested: [1, 'x'] } }, at: 2 };
const attempt: Required<AttemptWithSteps> = {
  id: 'run-1',
  at: 1,
  workflowId: 'heal-checkout',
  runId: 'run-1',
  service: 'checkout',
  strategy: 'restart_unhealthy',
  dryRun: false,
  applied: true,
  verified: true,
  outcome: 'verified',
  issueType: 'degradation',
  rootCause: 'error rate far above its baseline',
  actor: 'alice',
  requestId: 'req-1',
  diagnosis,
  plan,
  reasons: [],
  finishedAt: 3,
  steps: [step],
};
const anomalyEvent = { ...anomaly, id: 'an-1', snapshotId: 'snap-1', service: 'checkout', at: 1 };
const snapshot = { id: 'snap-1', service: 'checkout', at: 1, metrics: { error_rate: 0.08 }, workflowId: 'analyze-checkout-1', actor: 'alice', requestId: 'req-1', anomalyCount: 1, diagnosis: { issueType: 'degradation', rootCause: 'x', confidence: 0.8 } };
const why: WhyAnswer = {
  service: 'checkout',
  from: 0,
  to: 10,
  timeline: [
    { kind: 'snapshot', at: 1, snapshotId: 'snap-1', workflowId: 'analyze-checkout-1', metrics: { error_rate: 0.08 }, anomalies: [anomalyEvent], diagnosis, supportedBy: [['error_rate']] },
    { kind: 'attempt', at: 2, attempt: { ...attempt, steps: undefined } as never, steps: [step] },
  ],
};
delete (why.timeline[1] as { attempt: { steps?: unknown } }).attempt.steps;
const outcomes: StrategyOutcome[] = [{ attemptId: 'run-0', issueType: 'degradation', strategy: 'restart_unhealthy', success: true, at: Date.now() - 1000 }];

/** What an apply's update-with-start gives next: the plan, or a throw (a heal of the service already running). */
let nextApply: () => HealPlan = () => plan;

/** A Temporal client that answers as the workflows would. */
const handle = {
  firstExecutionRunId: 'run-1',
  result: async () => analyzeResult,
  describe: async () => ({ runId: 'run-1', status: { name: 'RUNNING' } }),
  query: async () => status,
  executeUpdate: async () => status,
  signal: async () => undefined,
};
const dryHandle = { ...handle, result: async () => ({ ...status, dry_run: true, outcome: 'planned', plan: { ...plan, dry_run: true } }) };
const temporal = {
  workflow: {
    start: async (name: string) => (name === 'healWorkflow' ? dryHandle : handle),
    getHandle: () => handle,
    executeUpdateWithStart: async () => nextApply(),
  },
} as unknown as Client;

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp({
    config,
    temporal,
    learning: { recordOutcome: async () => undefined, recordChoice: async () => undefined, outcomes: async () => outcomes, choices: async () => [] },
    audit: {
      listAnomalies: async () => ({ items: [anomalyEvent], nextCursor: 'next' }),
      listSnapshots: async () => ({ items: [snapshot], nextCursor: null }),
      listAttempts: async () => ({ items: [attempt], nextCursor: null }),
      getAttempt: async () => attempt,
      whyQuery: async () => why,
    },
    baselines: { getBaselines: async () => ({}) },
    feed: { start: async () => undefined, close: async () => undefined },
    knownIssueTypes: new Set(['degradation']),
    autopilot: new FakeAutopilotApi(),
    logger: false,
  });
});
afterAll(async () => {
  await app?.close();
});

const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${operator}` }, ...(payload ? { payload } : {}) });
const ids = { workflow_id: expect.any(String), run_id: 'run-1', heal_id: expect.any(String), temporal_ui: expect.any(String) };
const healBody = (dryRun: boolean) => ({ issue: { diagnosis: { ...diagnosis, hypotheses: undefined } }, context: { services: ['checkout'], containers: ['checkout-1'] }, dry_run: dryRun });

describe('typed success responses keep every field', () => {
  it('analyze: anomalies with late, episode and episode_opened_at; late_metrics', async () => {
    const res = await call('POST', '/api/self_healing/analyze', { service: 'checkout', metrics: { error_rate: 0.08 } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual(analyzeResult);
  });

  it('heal: a dry run and an applied heal, with the whole plan', async () => {
    const dry = await call('POST', '/api/self_healing/heal', healBody(true));
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toEqual({ ...ids, dry_run: true, status: 'planned', plan: { ...plan, dry_run: true } });
    const applied = await call('POST', '/api/self_healing/heal', healBody(false));
    expect(applied.statusCode, applied.body).toBe(202);
    expect(applied.json()).toEqual({ ...ids, dry_run: false, status: 'awaiting_approval', plan });
  });

  it('heal: a refusal keeps its plan and failed checks; a conflict names the running heal', async () => {
    const refused = { ...plan, allowed: false, safety_checks: [{ name: 'cooldown', passed: false, detail: 'healed 10s ago' }] };
    nextApply = () => refused;
    const res = await call('POST', '/api/self_healing/heal', healBody(false));
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json()).toEqual({
      error: 'heal_refused',
      message: 'heal refused by the safety envelope: cooldown: healed 10s ago',
      reasons: ['cooldown: healed 10s ago'],
      ...ids,
      run_id: 'run-1',
      dry_run: false,
      status: 'refused',
      plan: refused,
    });
    nextApply = () => {
      throw new WorkflowExecutionAlreadyStartedError('already started', 'heal-checkout', 'healWorkflow');
    };
    const conflict = await call('POST', '/api/self_healing/heal', healBody(false));
    expect(conflict.statusCode, conflict.body).toBe(409);
    expect(conflict.json()).toEqual({ error: 'conflict', message: expect.any(String), running_workflow_id: expect.any(String), running_run_id: 'run-1' });
    nextApply = () => plan;
  });

  it('heal status, approve and cancel', async () => {
    const res = await call('GET', '/api/self_healing/heal/heal-checkout');
    expect(res.json()).toEqual({ ...status, workflow_status: 'RUNNING', temporal_ui: expect.any(String) });
    const approved = await call('POST', '/api/self_healing/heal/heal-checkout/approve', { comment: 'ok' });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toEqual(status);
    const cancelled = await call('POST', '/api/self_healing/heal/heal-checkout/cancel', {});
    expect(cancelled.json()).toEqual({ workflow_id: 'heal-checkout', status: 'cancel_requested' });
  });

  it('strategies and learning', async () => {
    expect((await call('GET', '/api/self_healing/strategies')).json()).toEqual({ strategies: JSON.parse(JSON.stringify(listStrategies())) });
    const stats = (await call('GET', '/api/self_healing/learning')).json() as { stats: LearningStat[] };
    expect(stats.stats).toHaveLength(1);
    expect(Object.keys(stats.stats[0] ?? {}).sort()).toEqual(
      ['attempts', 'chosen_count', 'credible_interval_90', 'effective_attempts', 'issue_type', 'last_used', 'posterior_mean', 'strategy', 'successes'],
    );
  });

  it('audit lists, one attempt with its steps (open step data kept) and why', async () => {
    expect((await call('GET', '/api/self_healing/anomalies')).json()).toEqual({ items: [anomalyEvent], next_cursor: 'next' });
    expect((await call('GET', '/api/self_healing/snapshots')).json()).toEqual({ items: [snapshot], next_cursor: null });
    expect((await call('GET', '/api/self_healing/attempts?include_steps=true')).json()).toEqual({ items: [attempt], next_cursor: null });
    expect((await call('GET', '/api/self_healing/attempts/run-1')).json()).toEqual(attempt);
    expect((await call('GET', '/api/self_healing/why?service=checkout')).json()).toEqual(why);
  });

  it('serves a stored value outside an enum as it is, not as a 500 (enums are not anyOf branches to validate)', async () => {
    const odd = { ...attempt, outcome: 'legacy_outcome' as never, steps: [{ ...step, status: 'legacy' as never }] };
    const oddApp = await buildApp({
      config,
      temporal,
      learning: { recordOutcome: async () => undefined, recordChoice: async () => undefined, outcomes: async () => [], choices: async () => [] },
      audit: {
        listAnomalies: async () => ({ items: [], nextCursor: null }),
        listSnapshots: async () => ({ items: [], nextCursor: null }),
        listAttempts: async () => ({ items: [], nextCursor: null }),
        getAttempt: async () => odd,
        whyQuery: async () => ({ ...why, timeline: [{ kind: 'attempt', at: 2, attempt: { ...odd, steps: undefined } as never, steps: odd.steps }] }),
      },
      baselines: { getBaselines: async () => ({}) },
      feed: { start: async () => undefined, close: async () => undefined },
      knownIssueTypes: new Set(['degradation']),
      autopilot: new FakeAutopilotApi(),
      logger: false,
    });
    try {
      const headers = { authorization: `Bearer ${operator}` };
      const one = await oddApp.inject({ method: 'GET', url: '/api/self_healing/attempts/run-1', headers });
      expect(one.statusCode, one.body).toBe(200);
      expect(one.json()).toMatchObject({ outcome: 'legacy_outcome', steps: [{ status: 'legacy' }] });
      const timeline = await oddApp.inject({ method: 'GET', url: '/api/self_healing/why?service=checkout', headers });
      expect(timeline.statusCode, timeline.body).toBe(200);
      expect(timeline.json()).toMatchObject({ timeline: [{ kind: 'attempt', attempt: { outcome: 'legacy_outcome' }, steps: [{ status: 'legacy' }] }] });
    } finally {
      await oddApp.close();
    }
  });
});

type Schema = { type?: string; properties?: Record<string, Schema>; additionalProperties?: boolean | Schema; description?: string; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[]; allOf?: Schema[]; then?: Schema; else?: Schema };

/** Paths inside a schema to objects that declare nothing (no properties, no typed additional properties) and do not say they are open by design. */
function openObjects(schema: Schema | undefined, at: string): string[] {
  if (!schema || typeof schema !== 'object') return [];
  const found: string[] = [];
  const isObject = schema.type === 'object' || schema.properties !== undefined;
  if (isObject) {
    const declared = Object.keys(schema.properties ?? {}).length > 0 || typeof schema.additionalProperties === 'object';
    if (!declared && !schema.description?.startsWith('open by design')) found.push(at);
  }
  for (const [k, v] of Object.entries(schema.properties ?? {})) found.push(...openObjects(v, `${at}.${k}`));
  if (typeof schema.additionalProperties === 'object') found.push(...openObjects(schema.additionalProperties, `${at}.*`));
  found.push(...openObjects(schema.items, `${at}[]`), ...openObjects(schema.then, `${at}.then`), ...openObjects(schema.else, `${at}.else`));
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) (schema[key] ?? []).forEach((s, i) => found.push(...openObjects(s, `${at}.${key}${i}`)));
  return found;
}

describe('the OpenAPI document', () => {
  it('describes every 2xx answer: no open {} schema left (only /metrics is text)', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>>;
    };
    const problems: string[] = [];
    let checked = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (path === '/metrics') continue;
      for (const [method, op] of Object.entries(methods)) {
        for (const [code, response] of Object.entries(op.responses ?? {})) {
          if (!/^2\d\d$/.test(code)) continue;
          const schema = response.content?.['application/json']?.schema;
          if (!schema) {
            problems.push(`${method} ${path} ${code}: no JSON schema`);
            continue;
          }
          checked += 1;
          if (!schema.properties || Object.keys(schema.properties).length === 0) problems.push(`${method} ${path} ${code}: no declared properties`);
          problems.push(...openObjects(schema, `${method} ${path} ${code}`));
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(15);
  });
});
