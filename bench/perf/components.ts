// What analyze and a heal dry run wait for, call by call, through the same adapters the worker uses. Analyze: one
// analyzeOnce, then one confirmed publish. Heal dry run: planHeal observes Docker and the audit in parallel, then
// the journal records two steps (attempt + step writes each) and waits for the last event's confirm. Set against
// the floors, these show how much of each is I/O and how much is workflow machinery.
import { randomUUID } from 'node:crypto';
import type { Config } from '../../src/config';
import { analyzeSample, detectorFor } from '../../src/domain/analysis';
import { containerRuntime, openNeo4j, openRabbit } from '../../src/main/adapters';
import { loadRules } from '../../src/main/rules';
import { analysisInput, announceFor, attemptRecord, deleteServices, stepRecords } from '../../test/helpers/neo4j';
import { runBlock, summarize, type Op } from './load';

export interface ComponentRow {
  /** analyze or heal_dry_run. */
  path: string;
  component: string;
  p50: number;
  p95: number;
  /** How many times one request of the path waits for it, one after the other. */
  times: number;
}

const QUIET = { info: () => undefined, warn: () => undefined, error: () => undefined };

export async function measureComponents(config: Config, requests: number, container: string, service: string): Promise<ComponentRow[]> {
  const neo4j = await openNeo4j(config);
  const rabbit = openRabbit(config, QUIET, `bench-perf-components-${process.pid}`);
  const publisher = rabbit.publisher();
  const docker = containerRuntime(config);
  // Written records and events belong to a service of their own, deleted afterwards.
  const own = `bench-perf-components-${randomUUID().slice(0, 8)}`;
  const now = Date.now();
  const detector = detectorFor(config.detection);
  const rules = loadRules(config);
  const publish = async (type: 'analyze' | 'heal') => {
    const id = randomUUID();
    await publisher.publish([{ id, type, version: 1, at: new Date().toISOString(), workflowId: `bench-${id}`, runId: id, service: own, step: type === 'heal' ? 'planned' : 'analyzed', data: {} }]);
  };
  const components: Array<{ path: string; component: string; times: number; op: Op }> = [
    {
      path: 'analyze',
      component: 'analyzeOnce (the store, on a service this process analysed last)',
      times: 1,
      op: async () => {
        const metrics = { cpu_load: 0.3 + 0.1 * Math.random(), error_rate: 0.01, latency_p95: 120 + 20 * Math.random() };
        const input = { ...analysisInput(own, 0, metrics), at: null };
        await neo4j.analysis.analyzeOnce(
          input,
          (baselines, at) => analyzeSample({ baselines, metrics, at, context: input.context, service: own, rules, detector, lateWindowMs: config.detection.lateWindowSeconds * 1000 }),
          announceFor(input),
        );
      },
    },
    { path: 'analyze', component: 'publish the analyzed event (broker confirm; in the background, from the outbox)', times: 1, op: () => publish('analyze') },
    {
      path: 'heal_dry_run',
      component: 'planHeal observations (Docker inspect + list, audit reads, in parallel)',
      times: 1,
      op: async () => {
        await Promise.all([docker.inspect(container), docker.list({ service }), neo4j.audit.appliedHeals(service, now - 7 * 86_400_000), neo4j.audit.countAppliedHeals(now - 3_600_000)]);
      },
    },
    {
      path: 'heal_dry_run',
      component: 'recordHeal (attempt write, then step write)',
      times: 2,
      op: async () => {
        const attempt = attemptRecord(own, Date.now(), { dryRun: true, applied: false });
        await neo4j.audit.recordHealAttempt(attempt);
        await neo4j.audit.recordHealSteps(stepRecords(attempt.id, Date.now(), 1));
      },
    },
    { path: 'heal_dry_run', component: 'publish the last step event (broker confirm)', times: 1, op: () => publish('heal') },
  ];
  try {
    const blocks = new Map(components.map((c) => [c.component, [] as Awaited<ReturnType<typeof runBlock>>[]]));
    for (let i = 0; i < requests; i++) {
      for (const c of components) blocks.get(c.component)!.push(await runBlock(1, 1, c.op));
    }
    return components.map((c) => {
      const stats = summarize(blocks.get(c.component)!, 1);
      return { path: c.path, component: c.component, p50: stats.p50, p95: stats.p95, times: c.times };
    });
  } finally {
    await deleteServices(neo4j.connection, [own]);
    await publisher.close();
    await rabbit.close();
    await neo4j.close();
  }
}
