// What a heal dry run waits for, call by call, through the same adapters the worker uses: planHeal observes Docker
// and the audit in parallel, then the journal records two steps (attempt + step writes each) and waits for the
// last event's confirm. Summed, these show how much of the dry run is I/O and how much is workflow machinery.
import { randomUUID } from 'node:crypto';
import type { Config } from '../../src/config';
import { containerRuntime, openNeo4j, openRabbit } from '../../src/main/adapters';
import { attemptRecord, deleteServices, stepRecords } from '../../test/helpers/neo4j';
import { runBlock, summarize, type Op } from './load';

export interface ComponentRow {
  component: string;
  p50: number;
  p95: number;
  /** How many times a dry run waits for it, one after the other. */
  timesPerDryRun: number;
}

const QUIET = { info: () => undefined, warn: () => undefined, error: () => undefined };

export async function measureHealComponents(config: Config, requests: number, container: string, service: string): Promise<ComponentRow[]> {
  const neo4j = await openNeo4j(config);
  const rabbit = openRabbit(config, QUIET, `bench-perf-components-${process.pid}`);
  const publisher = rabbit.publisher();
  const docker = containerRuntime(config);
  // Written records and events belong to a service of their own, deleted afterwards.
  const own = `bench-perf-components-${randomUUID().slice(0, 8)}`;
  const now = Date.now();
  const components: Array<{ component: string; timesPerDryRun: number; op: Op }> = [
    {
      component: 'planHeal observations (Docker inspect + list, audit reads, in parallel)',
      timesPerDryRun: 1,
      op: async () => {
        await Promise.all([docker.inspect(container), docker.list({ service }), neo4j.audit.appliedHeals(service, now - 7 * 86_400_000), neo4j.audit.countAppliedHeals(now - 3_600_000)]);
      },
    },
    {
      component: 'recordHeal (attempt write, then step write)',
      timesPerDryRun: 2,
      op: async () => {
        const attempt = attemptRecord(own, Date.now(), { dryRun: true, applied: false });
        await neo4j.audit.recordHealAttempt(attempt);
        await neo4j.audit.recordHealSteps(stepRecords(attempt.id, Date.now(), 1));
      },
    },
    {
      component: 'publish one event (broker confirm)',
      timesPerDryRun: 1,
      op: async () => {
        const id = randomUUID();
        await publisher.publish([{ id, type: 'heal', version: 1, at: new Date().toISOString(), workflowId: `bench-${id}`, runId: id, service: own, step: 'planned', data: {} }]);
      },
    },
  ];
  try {
    const blocks = new Map(components.map((c) => [c.component, [] as Awaited<ReturnType<typeof runBlock>>[]]));
    for (let i = 0; i < requests; i++) {
      for (const c of components) blocks.get(c.component)!.push(await runBlock(1, 1, c.op));
    }
    return components.map((c) => {
      const stats = summarize(blocks.get(c.component)!, 1);
      return { component: c.component, p50: stats.p50, p95: stats.p95, timesPerDryRun: c.timesPerDryRun };
    });
  } finally {
    await deleteServices(neo4j.connection, [own]);
    await publisher.close();
    await rabbit.close();
    await neo4j.close();
  }
}
