// deploy/docker-proxy/haproxy.cfg is the worker's only way to the Docker engine in docker-compose.yml. Its rules are
// checked against the engine calls the worker makes, found in src/adapters/docker/container-runtime.ts, and against
// calls it must never be able to make: first read as HAProxy reads them, then in a real HAProxy (Debian's, installed
// by scripts/install-haproxy.sh, which scripts/test.sh runs) in front of a fake engine on a unix socket.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '../../..');
const cfg = readFileSync(path.join(repo, 'deploy/docker-proxy/haproxy.cfg'), 'utf8');
const runtime = readFileSync(path.join(repo, 'src/adapters/docker/container-runtime.ts'), 'utf8');

const acls = new Map<string, RegExp>();
for (const [, name, regex] of cfg.matchAll(/^\s*acl\s+(\S+)\s+path,url_dec\s+-m\s+reg\s+(\S+)\s*$/gm)) acls.set(name!, new RegExp(regex!));
const allows = [...cfg.matchAll(/^\s*http-request allow if (.+)$/gm)].map((m) => m[1]!.trim());
/** HAProxy's predefined method ACLs (METH_GET also matches HEAD). */
const methodAcls: Record<string, string[]> = { METH_GET: ['GET', 'HEAD'], METH_POST: ['POST'] };

function allowed(method: string, url: string): boolean {
  const pathOnly = decodeURIComponent(url.split('?')[0]!);
  return allows.some((rule) => {
    // Conditions: `{ method A B }`, METH_* and named path ACLs, all of which must hold.
    const inline = /\{ method ([A-Z ]+) \}/.exec(rule);
    const rest = rule.replace(/\{ method [A-Z ]+ \}/, '').trim().split(/\s+/).filter(Boolean);
    if (inline && !inline[1]!.split(' ').includes(method)) return false;
    return rest.every((term) => {
      if (methodAcls[term]) return methodAcls[term]!.includes(method);
      const acl = acls.get(term);
      if (!acl) throw new Error(`haproxy.cfg uses an unknown acl ${term}`);
      return acl.test(pathOnly);
    });
  });
}

/** The engine call behind each dockerode method the runtime uses. */
const dockerodeCalls: Record<string, [string, string]> = {
  ping: ['GET', '/_ping'],
  listContainers: ['GET', '/containers/json?all=1&filters=%7B%22label%22%3A%5B%22selfheal.service%3Dcheckout%22%5D%7D'],
  createContainer: ['POST', '/containers/create?name=checkout-selfheal-replica-1'],
  inspect: ['GET', '/containers/3f1c2b9a/json'],
  stats: ['GET', '/containers/3f1c2b9a/stats?stream=false&one-shot=true'],
  start: ['POST', '/containers/3f1c2b9a/start'],
  stop: ['POST', '/containers/3f1c2b9a/stop?t=5'],
  restart: ['POST', '/containers/checkout-1/restart?t=5'],
  unpause: ['POST', '/containers/3f1c2b9a/unpause'],
  remove: ['DELETE', '/containers/checkout-selfheal-replica-1?force=true'],
};

describe('the Docker socket proxy', () => {
  it('knows every dockerode call the worker makes (a new call must be allowed here first)', () => {
    const used = new Set<string>();
    for (const [, method] of runtime.matchAll(/this\.docker\.(ping|listContainers|createContainer)\(/g)) used.add(method!);
    for (const [, method] of runtime.matchAll(/(?:getContainer\([^)]*\)|\bcontainer)\.(\w+)\(/g)) used.add(method!);
    expect(used.size).toBeGreaterThanOrEqual(8);
    expect([...used].filter((m) => !(m in dockerodeCalls)), 'dockerode methods without a proxy rule').toEqual([]);
  });

  it('forwards each of those calls, with or without an API version prefix', () => {
    for (const [name, [method, url]] of Object.entries(dockerodeCalls)) {
      expect(allowed(method, url), `${name}: ${method} ${url}`).toBe(true);
      expect(allowed(method, `/v1.41${url}`), `${name}: ${method} /v1.41${url}`).toBe(true);
    }
  });

  it('refuses everything else: exec, attach, archives, kill, pause, update, images, build, system, events', () => {
    const refused: [string, string][] = [
      ['POST', '/containers/3f1c2b9a/pause'],
      ['POST', '/containers/3f1c2b9a/exec'],
      ['POST', '/exec/5e8a/start'],
      ['POST', '/containers/3f1c2b9a/attach?stream=1'],
      ['PUT', '/containers/3f1c2b9a/archive?path=/etc'],
      ['GET', '/containers/3f1c2b9a/archive?path=/etc/shadow'],
      ['GET', '/containers/3f1c2b9a/export'],
      ['POST', '/containers/3f1c2b9a/kill'],
      ['POST', '/containers/3f1c2b9a/update'],
      ['POST', '/containers/3f1c2b9a/rename?name=x'],
      ['POST', '/containers/prune'],
      ['GET', '/containers/3f1c2b9a/logs'],
      ['POST', '/commit?container=3f1c2b9a'],
      ['GET', '/images/json'],
      ['POST', '/images/create?fromImage=alpine'],
      ['DELETE', '/images/alpine'],
      ['POST', '/build'],
      ['GET', '/info'],
      ['GET', '/events'],
      ['POST', '/volumes/create'],
      ['POST', '/networks/create'],
      ['POST', '/swarm/init'],
      ['POST', '/plugins/pull'],
      ['GET', '/containers/create'],
      ['DELETE', '/containers/json/../../images/alpine'],
      ['POST', '/containers/3f1c2b9a%2Fexec'],
      ['POST', '/v1.41/containers/3f1c2b9a/exec'],
    ];
    for (const [method, url] of refused) expect(allowed(method, url), `${method} ${url}`).toBe(false);
  });

  it('ends in a deny and listens only on the shared unix socket, for the worker user', () => {
    const frontend = cfg.slice(cfg.indexOf('frontend docker'), cfg.indexOf('backend engine'));
    const rules = [...frontend.matchAll(/^\s*http-request (\w+)/gm)].map((m) => m[1]);
    expect(rules.at(-1)).toBe('deny');
    expect(rules.filter((r) => r !== 'allow' && r !== 'deny')).toEqual([]);
    expect([...cfg.matchAll(/^\s*bind (.+)$/gm)].map((m) => m[1])).toEqual(['unix@/var/run/docker-proxy/docker.sock uid 1000 gid 1000 mode 600']);
    expect(cfg).toMatch(/^\s*server engine \/var\/run\/docker\.sock$/m);
  });
});

/** The calls the worker must never be able to make. */
const forbidden: [string, string][] = [
  ['POST', '/containers/3f1c2b9a/exec'],
  ['POST', '/exec/5e8a/start'],
  ['POST', '/containers/3f1c2b9a/attach?stream=1'],
  ['PUT', '/containers/3f1c2b9a/archive?path=/etc'],
  ['GET', '/containers/3f1c2b9a/archive?path=/etc/shadow'],
  ['POST', '/containers/3f1c2b9a/kill'],
  ['POST', '/containers/3f1c2b9a/update'],
  ['GET', '/images/json'],
  ['POST', '/images/create?fromImage=alpine'],
  ['POST', '/build'],
  ['GET', '/info'],
  ['GET', '/events'],
  ['GET', '/containers/create'],
  ['DELETE', '/containers/json/../../images/alpine'],
  ['POST', '/containers/3f1c2b9a%2Fexec'],
  ['POST', '/v1.41/containers/3f1c2b9a/exec'],
];

describe('the Docker socket proxy in a real HAProxy', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'selfheal-docker-proxy-'));
  const engineSocket = path.join(work, 'engine.sock');
  const proxySocket = path.join(work, 'proxy.sock');
  const seen: string[] = [];
  let engine: http.Server;
  let haproxy: ChildProcess | undefined;
  let haproxyLog = '';

  beforeAll(async () => {
    execFileSync('bash', [path.join(repo, 'scripts/install-haproxy.sh')], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
    engine = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"fake":"engine"}');
    });
    await new Promise<void>((resolve) => engine.listen(engineSocket, resolve));
    // The file as deployed, with only its two socket paths moved into this test's folder.
    const config = cfg.replace('unix@/var/run/docker-proxy/docker.sock', `unix@${proxySocket}`).replace('server engine /var/run/docker.sock', `server engine ${engineSocket}`);
    expect(config).not.toContain('/var/run/');
    const file = path.join(work, 'haproxy.cfg');
    writeFileSync(file, config);
    haproxy = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    haproxy.stdout!.on('data', (d: Buffer) => (haproxyLog += d.toString()));
    haproxy.stderr!.on('data', (d: Buffer) => (haproxyLog += d.toString()));
    const deadline = Date.now() + 10_000;
    while (!existsSync(proxySocket)) {
      if (Date.now() > deadline || haproxy.exitCode !== null) throw new Error(`haproxy did not start:\n${haproxyLog}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 660_000);

  afterAll(async () => {
    if (haproxy && haproxy.exitCode === null) {
      const exited = new Promise((resolve) => haproxy!.once('exit', resolve));
      haproxy.kill('SIGTERM');
      await exited;
    }
    await new Promise((resolve) => engine?.close(resolve));
    rmSync(work, { recursive: true, force: true });
  });

  function send(method: string, url: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath: proxySocket, method, path: url, headers: { host: 'docker' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('forwards every call the worker makes to the engine, unchanged', async () => {
    for (const [name, [method, url]] of Object.entries(dockerodeCalls)) {
      seen.length = 0;
      expect(await send(method, url), `${name}: ${method} ${url}`).toBe(200);
      expect(seen, name).toEqual([`${method} ${url}`]);
    }
  });

  it('answers 403 to the rest without the engine seeing it', async () => {
    seen.length = 0;
    for (const [method, url] of forbidden) expect(await send(method, url), `${method} ${url}`).toBe(403);
    expect(seen).toEqual([]);
  });
});
