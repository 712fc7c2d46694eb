// MTTR of the autopilot on the real stack: faults injected one after another (a container's health check starts
// failing), each healed by the autopilot with no REST call, split into detect (unhealthy in Docker -> the incident
// opened by a watch sample), decide (-> the heal planned), act (-> the restart done) and verify (-> verified, which
// holds container_health for 4 s). Each fault has a service of its own: restart_unhealthy's 300 s cooldown would
// refuse a second heal of one service. Production settings: samples and verification checks every 2 s, the demo's
// health check (every 2 s, 1 retry).
// Run (holding the stack lock): npx tsx bench/autopilot-mttr.ts [--faults 20]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import { startTestStack } from '../test/helpers/stack';
import { breakHealthCheck, removeContainers, waitFor } from '../test/helpers/containers';
import { connectTestNeo4j, deleteServices } from '../test/helpers/neo4j';

const { values } = parseArgs({ options: { faults: { type: 'string', default: '20' } } });
const faults = Number(values.faults);
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const run = randomUUID().slice(0, 6);
const services = Array.from({ length: faults }, (_, i) => `mttr-${run}-${i}`);

/** A container as scripts/demo-containers.sh makes them: health check every 2 s, 1 retry. */
async function demoContainer(service: string): Promise<string> {
  const name = `selfheal-bench-${service}`;
  const c = await docker.createContainer({
    name,
    Image: process.env.DEMO_IMAGE ?? 'selfheal/busybox:1',
    Cmd: ['sh', '-c', 'trap "exit 0" TERM INT; touch /tmp/healthy; sleep 1000000 & wait $!'],
    Labels: { 'selfheal.service': service, 'selfheal.managed': 'true', 'selfheal.test': 'true' },
    Healthcheck: { Test: ['CMD-SHELL', 'test -f /tmp/healthy'], Interval: 2e9, Timeout: 2e9, Retries: 1 },
    HostConfig: { NetworkMode: 'none' },
  });
  await c.start();
  await waitFor(async () => (await c.inspect()).State.Health?.Status === 'healthy', 30_000, `${name} healthy`);
  return name;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function main(): Promise<void> {
  const neo4j = await connectTestNeo4j();
  const names = await Promise.all(services.map(demoContainer));
  const policyFile = path.join(mkdtempSync(path.join(tmpdir(), 'selfheal-mttr-')), 'autopilot.yaml');
  writeFileSync(policyFile, `default: auto\nservices:\n${services.map((s) => `  ${s}: {}\n`).join('')}`);
  const stack = await startTestStack({ AUTOPILOT_POLICY_FILE: policyFile, AUTOPILOT_INTERVAL_SECONDS: '2', VERIFY_INTERVAL_SECONDS: '2', VERIFY_ATTEMPTS: '10' });
  const rows: Record<'detect' | 'decide' | 'act' | 'verify' | 'fromUnhealthy' | 'mttr', number>[] = [];
  try {
    for (const [i, service] of services.entries()) {
      const name = names[i]!;
      // Its watch has seen the healthy container a few times, as a watch in production has.
      await waitFor(async () => (await count(`MATCH (:Service {name: $service})-[:HAS_SNAPSHOT]->(m) RETURN count(m) AS n`, service)) >= 3, 60_000, `${service} sampled`);
      const fault = Date.now();
      await breakHealthCheck(name);
      let unhealthy = 0;
      await waitFor(async () => {
        if (!unhealthy && (await docker.getContainer(name).inspect()).State.Health?.Status === 'unhealthy') unhealthy = Date.now();
        return unhealthy > 0;
      }, 30_000, `${name} unhealthy`);
      let steps: Record<string, number> = {};
      let opened = 0;
      await waitFor(async () => {
        const { records } = await neo4j.driver.executeQuery(
          `MATCH (:Service {name: $service})-[:HAD_INCIDENT]->(i:Incident)-[:REMEDIATED_BY]->(a:HealingAttempt)-[:HAS_STEP]->(st:HealStep)
           RETURN i.openedAt AS opened, collect([st.step, st.at]) AS steps`,
          { service },
          { database: neo4j.database },
        );
        const r = records[0];
        if (!r) return false;
        opened = Number(r.get('opened'));
        steps = Object.fromEntries((r.get('steps') as [string, unknown][]).map(([s, at]) => [s, Number(at)]));
        return steps['completed'] !== undefined;
      }, 120_000, `${service} healed`);
      if (steps['verified'] === undefined) throw new Error(`${service}: the heal did not verify (${JSON.stringify(steps)})`);
      rows.push({
        detect: opened - unhealthy,
        decide: steps['planned']! - opened,
        act: steps['action_completed']! - steps['planned']!,
        verify: steps['verified']! - steps['action_completed']!,
        fromUnhealthy: steps['verified']! - unhealthy,
        mttr: steps['verified']! - fault,
      });
      console.log(`fault ${i + 1}/${faults}: ${JSON.stringify(rows.at(-1))}`);
    }
  } finally {
    await stack.stop();
    for (const s of services) await removeContainers({ label: `selfheal.service=${s}` });
    await deleteServices(neo4j, services);
    await neo4j.driver.close();
  }
  console.log('\nms (fault injected -> verified), over', rows.length, 'faults');
  console.log('| part | p50 | p95 |\n| --- | --- | --- |');
  for (const key of ['detect', 'decide', 'act', 'verify', 'fromUnhealthy', 'mttr'] as const) {
    const xs = rows.map((r) => r[key]);
    console.log(`| ${key} | ${percentile(xs, 50)} | ${percentile(xs, 95)} |`);
  }

  async function count(query: string, service: string): Promise<number> {
    const { records } = await neo4j.driver.executeQuery(query, { service }, { database: neo4j.database });
    return Number(records[0]?.get('n') ?? 0);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
