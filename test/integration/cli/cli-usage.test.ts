// Mistakes on the command line: a usage message on stderr and exit 2, before anything is sent anywhere.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

const dir = mkdtempSync(path.join(tmpdir(), 'selfheal-cli-usage-'));
let nowhere: string[];
let closedUrl: string;

beforeAll(async () => {
  // A port that was just free and now is closed: nothing answers there.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await new Promise((resolve) => server.close(resolve));
  // A command that got past its flags would fail to connect (exit 1), not exit 2.
  nowhere = ['--url', closedUrl, '--token', 'x.y.z'];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('selfheal usage errors', () => {
  it.each([
    [['analyze', '--bogus'], "Unknown option '--bogus'", 'usage: selfheal analyze'],
    [['analyze'], 'give metrics with --metric', 'usage: selfheal analyze'],
    [['analyze', '--metric', 'error_rate'], '--metric takes NAME=VALUE', 'usage: selfheal analyze'],
    [['analyze', '--metric', 'error_rate=lots'], '--metric: error_rate must be a finite number', 'usage: selfheal analyze'],
    [['analyze', '--metric', '9lives=1'], '--metric: "9lives" is not a metric name', 'usage: selfheal analyze'],
    [['analyze', '--metric', 'x=1', '--at', 'yesterday'], '--at must be an ISO-8601 time', 'usage: selfheal analyze'],
    [['analyze', '--file', path.join(dir, 'missing.json')], '--file: cannot read', 'usage: selfheal analyze'],
    [['heal'], 'give --diagnosis-file FILE, or metrics', 'usage: selfheal heal'],
    [['heal', '--watch', '--metric', 'x=1'], '--watch follows an applied heal: add --apply', 'usage: selfheal heal'],
    [['heal', '--apply', '--timeout', '5', '--metric', 'x=1'], '--timeout bounds --watch', 'usage: selfheal heal'],
    [['watch', 'one', 'two'], 'at most one heal id', 'usage: selfheal watch'],
    [['watch', 'bad id!'], 'is not a heal id', 'usage: selfheal watch'],
    [['watch', '--timeout=-1'], '--timeout must be a positive number', 'usage: selfheal watch'],
    [['strategies', '--url', 'ftp://example'], '--url must be an http(s) URL', 'usage: selfheal strategies'],
    [['learning', 'extra'], "Unexpected argument 'extra'", 'usage: selfheal learning'],
  ])('selfheal %j exits 2 with a message and the usage', async (args, message, usage) => {
    const { code, stderr, stdout } = await runCli([...args, ...(args.some((a) => a === '--url') ? [] : nowhere)]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain(usage);
    expect(stdout).toBe('');
  });

  it('token --services mints a scoped token, and refuses a bad pattern with exit 2', async () => {
    const scoped = await runCli(['token', '--sub', 'team-a', '--role', 'viewer', '--services', 'checkout, pay*']);
    expect(scoped.code).toBe(0);
    const claims = JSON.parse(Buffer.from(scoped.stdout.trim().split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ sub: 'team-a', role: 'viewer', services: ['checkout', 'pay*'] });
    const bad = await runCli(['token', '--sub', 'team-a', '--role', 'viewer', '--services', '../etc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--services must list');
    expect(bad.stdout).toBe('');
  });

  it('an unknown command lists the commands and exits 2', async () => {
    const { code, stderr } = await runCli(['heel']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown command "heel"');
    for (const name of ['analyze', 'heal', 'watch', 'strategies', 'learning', 'detect', 'token']) expect(stderr).toContain(`  ${name} `);
  });

  it('a diagnosis file without a diagnosis is a usage error naming the flag', async () => {
    const file = path.join(dir, 'not-a-diagnosis.json');
    writeFileSync(file, JSON.stringify({ hello: 'world' }));
    const { code, stderr } = await runCli(['heal', '--diagnosis-file', file, ...nowhere]);
    expect(code).toBe(2);
    expect(stderr).toContain('--diagnosis-file: expected a diagnosis');
  });

  it('an API that does not answer is an error (exit 1) that says where it looked', async () => {
    const { code, stderr } = await runCli(['strategies', ...nowhere]);
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot reach the API at ${closedUrl}: ECONNREFUSED`);
  });
});
