// The two Temporal setup jobs of docker-compose.yml, run with sh against stub CLIs (the real temporal and
// temporal-sql-tool live in the admin-tools image): they fail loudly on any error, accept "already exists" only,
// read the search attributes back with their types, and never put the database password on a command line.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '../../..');
const work = mkdtempSync(path.join(os.tmpdir(), 'selfheal-setup-scripts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let runs = 0;

/** The attributes the heal workflow uses, as the namespace job reads them. */
const attributes = readFileSync(path.join(repo, 'scripts/search-attributes.txt'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'))
  .map((line) => line.trim().split(/\s+/) as [string, string]);

const STUB_TEMPORAL = `#!/bin/sh
echo "$*" >>"$STUB_LOG"
case "$1 $2 $3" in
  "operator cluster health") echo "\${STUB_HEALTH:-SERVING}"; exit 0 ;;
  "operator namespace create")
    case "\${STUB_NS_CREATE:-ok}" in
      ok) exit 0 ;;
      exists) echo "Error: unable to create namespace: Namespace already exists." >&2; exit 1 ;;
      *) echo "Error: unable to create namespace: context deadline exceeded" >&2; exit 1 ;;
    esac ;;
  "operator search-attribute list") cat "$STUB_LIST"; exit 0 ;;
  "operator search-attribute create")
    for a; do [ "$a" = "\${STUB_SA_FAIL:-none}" ] && { echo "Error: unable to add search attributes: permission denied" >&2; exit 1; }; done
    exit 0 ;;
esac
echo "stub temporal: unexpected $*" >&2; exit 2
`;

const STUB_SQL_TOOL = `#!/bin/sh
echo "$* | password=\${SQL_PASSWORD:-unset} host=\${SQL_HOST:-} plugin=\${SQL_PLUGIN:-}" >>"$STUB_LOG"
for a; do
  case $a in
    create-database)
      case "\${STUB_CREATE:-ok}" in
        ok) exit 0 ;;
        exists) echo 'Unable to create SQL database. {"error": "pq: database \\"temporal\\" already exists"}' >&2; exit 1 ;;
        *) echo 'Unable to create SQL database. {"error": "dial tcp 10.0.0.2:5432: connect: connection refused"}' >&2; exit 1 ;;
      esac ;;
    setup-schema) [ "\${STUB_SETUP:-ok}" = ok ] || { echo "Unable to setup SQL schema." >&2; exit 1; }; exit 0 ;;
    update-schema) exit 0 ;;
  esac
done
echo "stub temporal-sql-tool: unexpected $*" >&2; exit 2
`;

function stubDir(name: string, text: string): string {
  const dir = path.join(work, `bin-${name}`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, text);
  chmodSync(file, 0o755);
  return dir;
}
const temporalBin = stubDir('temporal', STUB_TEMPORAL);
const sqlToolBin = stubDir('temporal-sql-tool', STUB_SQL_TOOL);

function listing(types: Record<string, string> = {}): string {
  const rows = attributes.map(([name, type]) => `  ${name.padEnd(36)}  ${(types[name] ?? type).padEnd(11)}`);
  const file = path.join(work, `list-${++runs}.txt`);
  writeFileSync(file, ['                  Name                     Type    ', '  BatcherNamespace                      Keyword    ', ...rows, ''].join('\n'));
  return file;
}

function run(script: string, bin: string, env: Record<string, string>) {
  const log = path.join(work, `log-${++runs}.txt`);
  writeFileSync(log, '');
  const result = spawnSync('sh', [path.join(repo, script)], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: `${bin}:/usr/bin:/bin`, STUB_LOG: log, ...env },
  });
  return { ...result, calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
}

describe('deploy/temporal/setup-namespace.sh', () => {
  const namespaceJob = (env: Record<string, string> = {}) =>
    run('deploy/temporal/setup-namespace.sh', temporalBin, {
      TEMPORAL_ADDRESS: 'temporal:7233',
      SEARCH_ATTRIBUTES_FILE: path.join(repo, 'scripts/search-attributes.txt'),
      TEMPORAL_WAIT_SECONDS: '3',
      STUB_LIST: listing(),
      ...env,
    });

  it('creates the namespace and each search attribute with its type, one per call', () => {
    const result = namespaceJob();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.calls).toContain('operator namespace create --address temporal:7233 --namespace default --retention 72h');
    const creates = result.calls.filter((c) => c.startsWith('operator search-attribute create'));
    expect(creates).toEqual(attributes.map(([name, type]) => `operator search-attribute create --address temporal:7233 --namespace default --name ${name} --type ${type}`));
    expect(result.stdout).toContain('namespace default and its search attributes are in place');
  });

  it('treats a namespace that already exists as success, and says so', () => {
    const result = namespaceJob({ STUB_NS_CREATE: 'exists', TEMPORAL_NAMESPACE: 'selfheal' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('namespace selfheal: already exists');
  });

  it('fails on any other error from the namespace, with the CLI message', () => {
    const result = namespaceJob({ STUB_NS_CREATE: 'error' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('namespace default failed');
    expect(result.stderr).toContain('context deadline exceeded');
    expect(result.calls.some((c) => c.startsWith('operator search-attribute create'))).toBe(false);
  });

  it('fails when a search attribute cannot be created', () => {
    const result = namespaceJob({ STUB_SA_FAIL: 'SelfhealStrategy' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('search attribute SelfhealStrategy (Keyword) failed');
    expect(result.stderr).toContain('permission denied');
  });

  it('fails when an attribute is registered with another type', () => {
    const result = namespaceJob({ STUB_LIST: listing({ SelfhealDryRun: 'Keyword' }) });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('search attribute SelfhealDryRun is not registered as Bool in namespace default');
  });

  it('gives up, failing, when the server never serves', () => {
    const started = Date.now();
    const result = namespaceJob({ STUB_HEALTH: 'NOT_SERVING', TEMPORAL_WAIT_SECONDS: '2' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('the Temporal frontend at temporal:7233: still failing after 2s');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('deploy/temporal/setup-schema.sh', () => {
  const schemaRoot = path.join(work, 'schema');
  for (const dir of ['temporal', 'visibility']) mkdirSync(path.join(schemaRoot, 'postgresql/v12', dir, 'versioned'), { recursive: true });
  const passwordFile = path.join(work, 'postgres_password');
  writeFileSync(passwordFile, 'pg-s3cret\n');
  const schemaJob = (env: Record<string, string> = {}) =>
    run('deploy/temporal/setup-schema.sh', sqlToolBin, {
      SQL_HOST: 'postgresql',
      SQL_USER: 'temporal',
      SQL_PASSWORD_FILE: passwordFile,
      TEMPORAL_SCHEMA_DIR: schemaRoot,
      ...env,
    });

  it('creates both databases, then sets up and updates both schemas from the shipped directories', () => {
    const result = schemaJob();
    expect(result.status).toBe(0);
    const commands = result.calls.map((c) => c.split(' | ')[0]);
    expect(commands).toEqual([
      '--db temporal create-database',
      '--db temporal_visibility create-database',
      '--db temporal setup-schema -v 0.0',
      `--db temporal update-schema -d ${schemaRoot}/postgresql/v12/temporal/versioned`,
      '--db temporal_visibility setup-schema -v 0.0',
      `--db temporal_visibility update-schema -d ${schemaRoot}/postgresql/v12/visibility/versioned`,
    ]);
    // The password reaches the tool through its environment, read from the file without its line break.
    for (const call of result.calls) {
      expect(call).toContain('| password=pg-s3cret host=postgresql plugin=postgres12');
      expect(call.split(' | ')[0]).not.toContain('pg-s3cret');
    }
  });

  it('treats databases that already exist as success', () => {
    const result = schemaJob({ STUB_CREATE: 'exists' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('database temporal already exists');
    expect(result.stdout).toContain('temporal-schema: done');
  });

  it('fails on any other database error, before touching a schema', () => {
    const result = schemaJob({ STUB_CREATE: 'error' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('creating database temporal failed');
    expect(result.stderr).toContain('connection refused');
    expect(result.calls.some((c) => c.includes('setup-schema'))).toBe(false);
  });

  it('fails when a schema step fails', () => {
    const result = schemaJob({ STUB_SETUP: 'fail' });
    expect(result.status).not.toBe(0);
    expect(result.stdout).not.toContain('temporal-schema: done');
  });

  it('fails when the image lacks the schema directories', () => {
    const result = schemaJob({ TEMPORAL_SCHEMA_DIR: path.join(work, 'no-schema') });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('no-schema/postgresql/v12/temporal/versioned not found in this image');
  });
});
