// What one request of each scenario is. Each concurrent caller analyses a service of its own, as every service's
// metrics tick would: analyses of one service queue on its lock by design, which is not what is measured here.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { analyzeWorkflow } from '../../workflows/analyze';
import { analyzeWorkflowId, searchAttributes } from '../../workflows/definitions';
import type { HttpClient } from './http-client';

export const SCENARIOS = ['floor', 'floor_local', 'analyze_client', 'analyze_http', 'heal_dry_run', 'http_ping'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export type Request = (caller: number) => Promise<void>;

export interface ScenarioContext {
  runId: string;
  client: Client;
  http: HttpClient;
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
  const { client, http, tokens } = ctx;
  const floor = (workflowType: string, prefix: string): Request => async () => {
    await client.workflow.execute(workflowType, { taskQueue: ctx.floorQueue, workflowId: `${prefix}-${ctx.runId}-${randomUUID()}`, args: [] });
  };
  return {
    floor: floor('floorWorkflow', 'floor'),
    floor_local: floor('floorLocalWorkflow', 'floor-local'),
    // What SelfHealingApi.analyze does, minus HTTP: start with the service search attribute, then wait for the result.
    async analyze_client(caller) {
      const service = ctx.service(caller);
      const requestId = `client-${randomUUID()}`;
      const handle = await client.workflow.start<typeof analyzeWorkflow>('analyzeWorkflow', {
        taskQueue: ctx.taskQueue,
        workflowId: analyzeWorkflowId(service, requestId),
        args: [{ service, metrics: tick(), at: Date.now(), context: { services: [service] }, actor: 'bench', requestId }],
        typedSearchAttributes: [{ key: searchAttributes.service, value: service }],
      });
      await handle.result();
    },
    async analyze_http(caller) {
      const service = ctx.service(caller);
      await http.expect(200, 'POST', '/api/self_healing/analyze', tokens.operator, { metrics: tick(), context: { services: [service] } });
    },
    async heal_dry_run() {
      const reply = await http.expect(200, 'POST', '/api/self_healing/heal', tokens.operator, ctx.healBody);
      ctx.healAttemptIds.push((JSON.parse(reply.body) as { run_id: string }).run_id);
    },
    async http_ping() {
      await http.expect(200, 'GET', '/api/self_healing/ping', tokens.viewer);
    },
  };
}
