// deploy/docker-proxy/haproxy.cfg is the worker's only way to the Docker engine in docker-compose.yml. Its rules are
// evaluated here as HAProxy does (first matching `http-request allow`, else deny) against the engine calls the worker
// makes, found in src/adapters/docker/container-runtime.ts, and against calls it must never be able to make.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

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
  start: ['POST', '/containers/3f1c2b9a/start'],
  stop: ['POST', '/containers/3f1c2b9a/stop?t=5'],
  restart: ['POST', '/containers/checkout-1/restart?t=5'],
  pause: ['POST', '/containers/3f1c2b9a/pause'],
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

  it('refuses everything else: exec, attach, archives, kill, update, images, build, system, events', () => {
    const refused: [string, string][] = [
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
