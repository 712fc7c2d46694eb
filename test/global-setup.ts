// Integration and e2e tests run against the real stack. This checks that every service answers and, when one
// does not, starts the stack through the project's own scripts (which install what is missing), then fails with a
// clear message naming the service if it still does not answer. It also bundles the workflow code once for every
// worker the tests start (WORKFLOW_BUNDLE_PATH), instead of webpack in each of them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { writeWorkflowBundle } from '../src/main/workflow-bundle';

const repo = path.resolve(__dirname, '..');

const services: { name: string; host: string; port: number }[] = [
  { name: 'temporal', host: '127.0.0.1', port: 7233 },
  { name: 'neo4j', host: '127.0.0.1', port: 7687 },
  { name: 'rabbitmq', host: '127.0.0.1', port: 5672 },
];

function reachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function dockerReachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: '/var/run/docker.sock' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function missing(): Promise<string[]> {
  const down: string[] = [];
  for (const s of services) if (!(await reachable(s.host, s.port))) down.push(s.name);
  if (!(await dockerReachable())) down.push('docker');
  return down;
}

export default async function setup(): Promise<() => void> {
  let down = await missing();
  if (down.length > 0) {
    execFileSync('bash', [path.join(repo, 'scripts/services.sh'), 'up', ...down], { stdio: 'inherit', cwd: repo });
    down = await missing();
    if (down.length > 0) {
      throw new Error(`the real stack is not reachable: ${down.join(', ')} (see .services/logs/<service>.log)`);
    }
  }
  execFileSync('bash', [path.join(repo, 'scripts/demo-containers.sh'), 'up'], { stdio: 'inherit', cwd: repo });
  // Set before vitest forks the test processes, which inherit it (and pass it on to the workers they spawn).
  const dir = mkdtempSync(path.join(os.tmpdir(), 'selfheal-tests-'));
  process.env.WORKFLOW_BUNDLE_PATH = await writeWorkflowBundle(path.join(repo, 'src', 'main'), path.join(dir, 'workflow-bundle.js'));
  return () => rmSync(dir, { recursive: true, force: true });
}
