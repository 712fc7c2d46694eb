// docker-compose.yml cannot run here (no image can be pulled), so its structure is checked: the services of a
// production deployment in their start order, health checks, stop grace periods, secrets from files, the Docker
// socket behind the proxy, and environment names that the config module really reads. compose-config.test.ts runs
// `docker compose config` on it; setup-scripts.test.ts runs the Temporal setup scripts against stub CLIs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config';

const repo = path.resolve(__dirname, '../../..');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, unknown>;
  healthcheck?: { test?: unknown; start_period?: string; interval?: string };
  depends_on?: Record<string, { condition: string }>;
  secrets?: (string | { source: string; target?: string })[];
  volumes?: string[];
  labels?: Record<string, string>;
  restart?: string;
  stop_grace_period?: string;
  user?: string;
}
const compose = parse(readFileSync(path.join(repo, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const service = (name: string): Service => {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const selfheal = ['selfheal-worker', 'selfheal-api'];
/** Jobs run to completion; everything else runs until stopped. */
const jobs = ['temporal-schema', 'temporal-namespace'];
const longRunning = Object.keys(services).filter((name) => !jobs.includes(name));

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

const secretNames = (s: Service): string[] => (s.secrets ?? []).map((x) => (typeof x === 'string' ? x : x.source));
/** Where each mounted secret appears in the container. */
function secretPaths(s: Service): string[] {
  return (s.secrets ?? []).map((x) => {
    if (typeof x === 'string') return `/run/secrets/${x}`;
    return x.target === undefined ? `/run/secrets/${x.source}` : x.target.startsWith('/') ? x.target : `/run/secrets/${x.target}`;
  });
}
const script = (file: string): string => readFileSync(path.join(repo, file), 'utf8');
/** Seconds in a compose duration such as 90s, 2m or 1m30s. */
function seconds(duration: string): number {
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (!match || duration === '') throw new Error(`not a duration: ${duration}`);
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

describe('docker-compose.yml', () => {
  it('describes the production stack', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['docker-proxy', 'neo4j', 'postgresql', 'rabbitmq', 'selfheal-api', 'selfheal-worker', 'temporal', 'temporal-namespace', 'temporal-schema', 'temporal-ui'].sort(),
    );
    expect(service('selfheal-worker').command).toEqual(['node', 'dist/src/main/worker.js']);
    expect(service('selfheal-api').command).toEqual(['node', 'dist/src/main/api.js']);
    for (const name of selfheal) expect(service(name).build, name).toBe('.');
  });

  it('runs Temporal on its current shape: PostgreSQL, a schema job, temporalio/server, a namespace job, a current UI', () => {
    for (const [name, s] of Object.entries(services)) expect(s.image ?? '', name).not.toMatch(/auto-setup/);
    const version = (image: string | undefined) => /^temporalio\/[a-z-]+:(\d+\.\d+\.\d+)$/.exec(image ?? '')?.[1];
    expect(service('temporal').image).toMatch(/^temporalio\/server:/);
    expect(service('temporal-schema').image).toMatch(/^temporalio\/admin-tools:/);
    expect(service('temporal-namespace').image).toMatch(/^temporalio\/admin-tools:/);
    // The tools migrate the schema to their own release: they must be the server's release.
    expect(version(service('temporal-schema').image)).toBe(version(service('temporal').image));
    expect(version(service('temporal-namespace').image)).toBe(version(service('temporal').image));
    const [uiMajor, uiMinor] = (/^temporalio\/ui:(\d+)\.(\d+)\.\d+$/.exec(service('temporal-ui').image ?? '') ?? []).slice(1).map(Number);
    expect(uiMajor).toBe(2);
    expect(uiMinor).toBeGreaterThanOrEqual(40);
    expect(service('temporal').environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql', DBNAME: 'temporal', VISIBILITY_DBNAME: 'temporal_visibility' });
  });

  it("gives the server the local dev server's dynamic configuration (workflow updates on)", () => {
    expect(service('temporal').volumes).toContain('./deploy/temporal/dynamicconfig.yaml:/etc/temporal/config/dynamicconfig/docker.yaml:ro');
    const deployed = parse(script('deploy/temporal/dynamicconfig.yaml')) as Record<string, { value: unknown }[]>;
    const local = Object.fromEntries(
      [...script('scripts/services/temporal.sh').matchAll(/--dynamic-config-value ([\w.]+)=(\S+)/g)].map(([, key, value]) => [key!, [{ value: JSON.parse(value!) as unknown }]]),
    );
    expect(Object.keys(local).length).toBeGreaterThanOrEqual(3);
    expect(deployed).toEqual(local);
    expect(deployed['frontend.enableUpdateWorkflowExecution']).toEqual([{ value: true }]);
  });

  it('orders the start: database, schema job, server, namespace job, then the worker and the API', () => {
    expect(service('temporal-schema').depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(service('temporal').depends_on).toMatchObject({
      postgresql: { condition: 'service_healthy' },
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
    expect(service('temporal-namespace').depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    for (const name of selfheal) {
      const deps = service(name).depends_on ?? {};
      expect(deps['temporal-namespace'], name).toEqual({ condition: 'service_completed_successfully' });
      expect(deps['neo4j'], name).toEqual({ condition: 'service_healthy' });
      expect(deps['rabbitmq'], name).toEqual({ condition: 'service_healthy' });
      // The namespace job gates them: nothing selfheal runs waits on the server alone.
      expect(Object.keys(deps), name).not.toContain('temporal');
    }
    for (const name of jobs) expect(service(name).restart, name).toBe('no');
  });

  it('migrates both schemas with the postgres schema directories that admin-tools ships', () => {
    const schema = service('temporal-schema');
    expect(schema.entrypoint).toEqual(['sh', '/etc/selfheal/setup-schema.sh']);
    expect(schema.volumes).toContain('./deploy/temporal/setup-schema.sh:/etc/selfheal/setup-schema.sh:ro');
    expect(schema.environment).toMatchObject({ SQL_PLUGIN: 'postgres12', SQL_HOST: 'postgresql', TEMPORAL_SCHEMA_DIR: '/etc/temporal/schema' });
    const text = script('deploy/temporal/setup-schema.sh');
    expect(text).toMatch(/^set -eu$/m);
    expect(text).toContain('/postgresql/v12');
    expect(text).toContain('migrate temporal "$SCHEMA_ROOT/temporal/versioned"');
    expect(text).toContain('migrate temporal_visibility "$SCHEMA_ROOT/visibility/versioned"');
    expect(text).toContain('setup-schema -v 0.0');
    expect(text).toContain('update-schema -d');
  });

  it('registers the namespace and the search attributes of scripts/search-attributes.txt, failing loudly', () => {
    const job = service('temporal-namespace');
    expect(job.entrypoint).toEqual(['sh', '/etc/selfheal/setup-namespace.sh']);
    expect(job.volumes).toEqual(
      expect.arrayContaining([
        './deploy/temporal/setup-namespace.sh:/etc/selfheal/setup-namespace.sh:ro',
        './scripts/search-attributes.txt:/etc/selfheal/search-attributes.txt:ro',
      ]),
    );
    expect(job.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', SEARCH_ATTRIBUTES_FILE: '/etc/selfheal/search-attributes.txt' });
    // The namespace the job creates is the one selfheal uses.
    for (const name of selfheal) expect(service(name).environment?.['TEMPORAL_NAMESPACE']).toBe(job.environment?.['TEMPORAL_NAMESPACE']);
    for (const file of ['deploy/temporal/setup-namespace.sh', 'deploy/temporal/setup-schema.sh']) {
      const text = script(file);
      expect(text, file).toMatch(/^set -eu$/m);
      expect(text, file).not.toMatch(/\|\|\s*true/);
      expect(text, file).toContain('already exists');
    }
    // No inline setup in the compose file either.
    expect(readFileSync(path.join(repo, 'docker-compose.yml'), 'utf8')).not.toMatch(/\|\|\s*true/);
  });

  it('gives every long-running service a health check with a start period, and every service a stop grace period', () => {
    for (const name of longRunning) {
      const check = service(name).healthcheck;
      expect(check?.test, `${name} health check`).toBeDefined();
      expect(seconds(check?.start_period ?? ''), `${name} start_period`).toBeGreaterThan(0);
    }
    for (const [name, s] of Object.entries(services)) expect(seconds(s.stop_grace_period ?? ''), `${name} stop_grace_period`).toBeGreaterThan(0);
  });

  it('gives the worker longer to stop than its activities get after SIGTERM, and SIGTERM reaches node', () => {
    for (const name of selfheal) expect((service(name) as Service & { init?: boolean }).init, name).toBe(true);
    const worker = service('selfheal-worker');
    const grace = Number(worker.environment?.['WORKER_SHUTDOWN_GRACE_SECONDS']);
    expect(grace).toBeGreaterThan(0);
    expect(seconds(worker.stop_grace_period ?? '')).toBeGreaterThanOrEqual(grace + 10);
  });

  it('checks readiness, not liveness, for the API and serves the worker health on WORKER_HEALTH_PORT', () => {
    expect(JSON.stringify(service('selfheal-api').healthcheck?.test)).toContain('/readyz');
    const worker = service('selfheal-worker');
    expect(JSON.stringify(worker.healthcheck?.test)).toContain(`127.0.0.1:${String(worker.environment?.['WORKER_HEALTH_PORT'])}/healthz`);
  });

  it('hands every credential over as a file: no password in any environment', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (!key.endsWith('_FILE') && /PASSWORD|PWD|PASS$|SECRET|_AUTH$|RABBITMQ_URL$/.test(key)) expect.fail(`${name} sets ${key} in its environment: use ${key}_FILE and a secret`);
        expect(String(value), `${name} ${key}`).not.toMatch(/\$\{[A-Z_]*(PASSWORD|SECRET)/);
      }
    }
    // Each credential file is a secret that the same service mounts there.
    for (const [name, s] of Object.entries(services)) {
      const mounted = secretPaths(s);
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/(PASSWORD|AUTH|URL|KEY)_FILE$/.test(key)) expect(mounted, `${name} ${key}=${String(value)}`).toContain(value);
      }
    }
    expect(service('postgresql').environment).toMatchObject({ POSTGRES_PASSWORD_FILE: '/run/secrets/postgres_password' });
    expect(service('neo4j').environment).toMatchObject({ NEO4J_AUTH_FILE: '/run/secrets/neo4j_auth' });
    expect(secretPaths(service('rabbitmq'))).toEqual([expect.stringMatching(/^\/etc\/rabbitmq\/conf\.d\/[\w-]+\.conf$/)]);
    for (const name of selfheal) {
      expect(service(name).environment, name).toMatchObject({
        NEO4J_PASSWORD_FILE: '/run/secrets/neo4j_password',
        RABBITMQ_URL_FILE: '/run/secrets/rabbitmq_url',
        RABBITMQ_MANAGEMENT_PASSWORD_FILE: '/run/secrets/rabbitmq_password',
        JWT_PUBLIC_KEY_FILE: '/run/secrets/jwt_public_key',
      });
    }
    // The Temporal server reads its database password from the secret, not from a variable set here.
    expect(secretNames(service('temporal'))).toEqual(['postgres_password']);
    expect(JSON.stringify(service('temporal').entrypoint)).toContain('cat /run/secrets/postgres_password');
    // Every declared secret is used, and each comes from the folder that scripts/deploy-secrets.sh fills
    // (compose-config.test.ts checks that the script writes every one of them).
    const used = new Set(Object.values(services).flatMap(secretNames));
    expect([...used].sort()).toEqual(Object.keys(compose.secrets).sort());
    for (const [name, { file }] of Object.entries(compose.secrets)) expect(file, name).toMatch(/^\$\{SELFHEAL_SECRETS:-\.\/secrets\}\/[\w.-]+$/);
  });

  it('reaches Docker only through the restricted proxy', () => {
    const engine = '/var/run/docker.sock:/var/run/docker.sock';
    for (const [name, s] of Object.entries(services)) {
      if (name !== 'docker-proxy') expect(s.volumes ?? [], name).not.toContain(engine);
    }
    const proxy = service('docker-proxy');
    expect(proxy.volumes).toContain(engine);
    expect(proxy.volumes).toContain('./deploy/docker-proxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    const worker = service('selfheal-worker');
    const socket = String(worker.environment?.['DOCKER_SOCKET']);
    const shared = (proxy.volumes ?? []).find((v) => socket.startsWith(`${v.split(':')[1]}/`));
    expect(shared, `the proxy shares the folder of ${socket}`).toBeDefined();
    expect(worker.volumes).toContain(shared);
    expect(Object.keys(compose.volumes)).toContain(shared!.split(':')[0]);
    // Only the worker gets the proxy's socket; the API never talks to Docker.
    for (const [name, s] of Object.entries(services)) {
      if (name !== 'docker-proxy' && name !== 'selfheal-worker') expect(s.volumes ?? [], name).not.toContain(shared);
    }
    expect(worker.depends_on?.['docker-proxy']).toEqual({ condition: 'service_healthy' });
    expect(script('deploy/docker-proxy/haproxy.cfg')).toContain(`bind unix@${socket} uid 1000`);
  });

  it('labels every service as selfheal infrastructure and keeps plaintext to the private network', () => {
    for (const [name, s] of Object.entries(services)) expect(s.labels?.['selfheal.infrastructure'], name).toBe('true');
    for (const name of selfheal) {
      const env = service(name).environment ?? {};
      expect(env['PLAINTEXT_ALLOWED_HOSTS']).toBe('neo4j,rabbitmq,temporal');
      expect(env).toHaveProperty('HEAL_MANAGED_SERVICES');
      expect(env).toHaveProperty('HEAL_QUEUE_ALLOWLIST');
    }
  });

  it('gives the selfheal services only environment names the config module reads, and the essential ones', () => {
    const known = configEnvNames();
    for (const name of selfheal) {
      const env = Object.keys(service(name).environment ?? {});
      expect(env.filter((key) => !known.has(key)), `${name} sets unknown env names`).toEqual([]);
      expect(env).toEqual(expect.arrayContaining(['TEMPORAL_ADDRESS', 'NEO4J_URI', 'RABBITMQ_URL_FILE', 'SELFHEAL_MODE', 'JWT_ALGORITHM', 'DOCKER_SOCKET'].filter((k) => name === 'selfheal-worker' || k !== 'DOCKER_SOCKET')));
    }
  });

  it('.env.example lists exactly the names the config module reads', () => {
    const example = readFileSync(path.join(repo, '.env.example'), 'utf8');
    const names = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));
    expect([...names].sort()).toEqual([...configEnvNames()].sort());
  });
});
