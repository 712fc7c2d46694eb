// docker-compose.yml cannot run here (no image can be pulled), so its structure is checked: the services of a
// production deployment, health checks, and environment names that the config module really reads.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config';

const repo = path.resolve(__dirname, '../../..');
const compose = parse(readFileSync(path.join(repo, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { environment?: Record<string, unknown>; healthcheck?: unknown; build?: unknown; command?: string[] }>;
};

/** Every env name loadConfig reads, found by recording its look-ups. */
function configEnvNames(): Set<string> {
  const seen = new Set<string>();
  const recorder = new Proxy({} as Record<string, string | undefined>, {
    get: (_target, key) => {
      if (typeof key === 'string') seen.add(key);
      return undefined;
    },
  });
  loadConfig(recorder);
  return seen;
}

describe('docker-compose.yml', () => {
  it('describes the production-like stack', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'neo4j', 'rabbitmq', 'selfheal-worker', 'selfheal-api']),
    );
    for (const name of ['postgresql', 'temporal', 'neo4j', 'rabbitmq', 'selfheal-api']) expect(compose.services[name]!.healthcheck, name).toBeDefined();
    expect(compose.services['selfheal-worker']!.command).toEqual(['node', 'dist/src/main/worker.js']);
    expect(compose.services['selfheal-api']!.command).toEqual(['node', 'dist/src/main/api.js']);
  });

  it('gives the selfheal services only environment names the config module reads, and the essential ones', () => {
    const known = configEnvNames();
    for (const name of ['selfheal-worker', 'selfheal-api']) {
      const env = Object.keys(compose.services[name]!.environment ?? {});
      expect(env.filter((key) => !known.has(key)), `${name} sets unknown env names`).toEqual([]);
      expect(env).toEqual(expect.arrayContaining(['TEMPORAL_ADDRESS', 'NEO4J_URI', 'RABBITMQ_URL', 'SELFHEAL_MODE', 'JWT_ALGORITHM']));
    }
  });

  it('.env.example lists exactly the names the config module reads', () => {
    const example = readFileSync(path.join(repo, '.env.example'), 'utf8');
    const names = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));
    expect([...names].sort()).toEqual([...configEnvNames()].sort());
  });
});
