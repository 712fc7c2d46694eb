// What the figures depend on besides the code: the machine, the servers' versions, whether a service restarted
// during the run (other test suites inject faults on this shared machine), and how many queues each event fans
// out to (every API instance's durable relay queue, including those test instances left behind).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../src/config';
import type { Neo4jConnection } from '../../src/adapters/neo4j/driver';

const ROOT = path.join(__dirname, '..', '..');

export function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: os.availableParallelism(),
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    cpuModel: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? 'unknown',
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** Versions as the running servers report them. */
export async function versions(config: Config, neo4j: Neo4jConnection) {
  const { records } = await neo4j.driver.executeQuery('CALL dbms.components() YIELD versions RETURN versions[0] AS v', {}, { database: neo4j.database });
  const overview = await management<{ rabbitmq_version?: string }>(config, '/api/overview');
  return { node: process.version, temporal: temporalVersion(), neo4j: String(records[0]?.get('v')), rabbitmq: overview.rabbitmq_version ?? 'unknown' };
}

/** The pid of each service from scripts/services.sh status: a changed pid means it restarted. */
export function servicePids(): Record<string, string> {
  const status = execFileSync('bash', [path.join(ROOT, 'scripts', 'services.sh'), 'status'], { encoding: 'utf8' });
  return Object.fromEntries([...status.matchAll(/^(\w+)\s+\w+\s+pid (\d+)/gm)].map((m) => [m[1]!, m[2]!]));
}

export function restartedServices(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(before).filter((name) => before[name] !== after[name]);
}

/** How many queues the event exchange routes to. */
export async function eventQueues(config: Config): Promise<number> {
  const { exchange, vhost } = config.rabbitmq;
  const bindings = await management<unknown[]>(config, `/api/exchanges/${encodeURIComponent(vhost)}/${encodeURIComponent(exchange)}/bindings/source`);
  return bindings.length;
}

async function management<T>(config: Config, apiPath: string): Promise<T> {
  const { managementUrl, managementUser, managementPassword } = config.rabbitmq;
  const res = await fetch(`${managementUrl}${apiPath}`, {
    headers: { authorization: `Basic ${Buffer.from(`${managementUser}:${managementPassword}`).toString('base64')}` },
  });
  if (!res.ok) throw new Error(`RabbitMQ management ${apiPath}: ${res.status}`);
  return (await res.json()) as T;
}

/** `temporal --version` of the CLI scripts/services.sh installed (it runs the dev server), from .services/env. */
function temporalVersion(): string {
  const envFile = path.join(ROOT, '.services', 'env');
  const cli = existsSync(envFile) ? /^TEMPORAL_CLI=(.+)$/m.exec(readFileSync(envFile, 'utf8'))?.[1] : undefined;
  return cli ? execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim() : 'unknown (.services/env has no TEMPORAL_CLI)';
}
