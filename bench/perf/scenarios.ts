// What one request of each scenario is. Each concurrent caller analyses a service of its own, as every service's
// metrics tick would: analyses of one service queue on its lock by design, which is not what is measured here.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { AnalyzeShape } from '../../src/config';
import type { HttpClient } from './http-client';

export const SCENARIOS = ['floor', 'floor_local', 'analyze_workflow', 'analyze_standalone', 'analyze_eager', 'heal_dry_run', 'http_ping'] as const;
/** POST /analyze through the API that runs each shape (ANALYZE_SHAPE); everything else goes to the shipped one. */
export const ANALYZE_SCENARIOS = { analyze_workflow: 'workflow', analyze_standalone: 'standalone', analyze_eager: 'eager' } as const satisfies Record<string, AnalyzeShape>;
export type AnalyzeScenario = keyof typeof ANALYZE_SCENARIOS;
export type Scenario = (typeof SCENARIOS)[number];
export type Request = (caller: number) => Promise<void>;

export interface ScenarioContext {
  runId: string;
  client: Client;
  /** One client per API (per analyze shape). */
  http: Record<AnalyzeShape, HttpClient>;
  /** The shape that ships: the default of ANALYZE_SHAPE. */
  shipped: AnalyzeShape;
  tokens: { operator: string; viewer: string };
  taskQueue: string;
  floorQueue: string;
  /** The service caller k analyses. */
  service(caller: number): string;
  healBody: Record<string, unknown>;
  /** Attempt ids of the dry runs, deleted from the audit afterwards. */
  healAttemptIds: string[];
}

/** A metrics tick around a steady state, so baselines learn and few ticks are anomalies. */
export function tick(): Record<string, number> {
  return { cpu_load: 0.3 + 0.1 * Math.random(), error_rate: 0.01 + 0.005 * Math.random(), latency_p95: 120 + 20 * Math.random() };
}

export function scenarioRequests(ctx: ScenarioContext): Record<Scenario, Request> {
  const { client, tokens } = ctx;
  const http = ctx.http[ctx.shipped];
  const analyze = (shape: AnalyzeShape): Request => async (caller) => {
    await ctx.http[shape].expect(200, 'POST', '/api/self_healing/analyze', tokens.operator, { metrics: tick(), context: { services: [ctx.service(caller)] } });
  };
  const floor = (workflowType: string, prefix: string): Request => async () => {
    await client.workflow.execute(workflowType, { taskQueue: ctx.floorQueue, workflowId: `${prefix}-${ctx.runId}-${randomUUID()}`, args: [] });
  };
  return {
    floor: floor('floorWorkflow', 'floor'),
    floor_local: floor('floorLocalWorkflow', 'floor-local'),
    analyze_workflow: analyze('workflow'),
    analyze_standalone: analyze('standalone'),
    analyze_eager: analyze('eager'),
    async heal_dry_run() {
      const reply = await http.expect(200, 'POST', '/api/self_healing/heal', tokens.operator, ctx.healBody);
      ctx.healAttemptIds.push((JSON.parse(reply.body) as { run_id: string }).run_id);
    },
    async http_ping() {
      await http.expect(200, 'GET', '/api/self_healing/ping', tokens.viewer);
    },
  };
}
