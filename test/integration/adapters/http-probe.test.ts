// FetchHttpProbe against a local HTTP server: statuses as answered, redirects reported and never followed, timeouts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchHttpProbe } from '../../../src/adapters/http-probe';

const probe = new FetchHttpProbe();
const requestedPaths: string[] = [];
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requestedPaths.push(req.url ?? '');
    if (req.url === '/ok') res.writeHead(200).end('fine');
    else if (req.url === '/broken') res.writeHead(500).end('broken');
    else if (req.url === '/redirect') res.writeHead(302, { location: '/redirect-target' }).end();
    else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end('late'), 2_000);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('FetchHttpProbe', () => {
  it('reports 200 as ok and 500 as not ok', async () => {
    expect(await probe.get(`${base}/ok`, 2_000)).toEqual({ status: 200, ok: true });
    expect(await probe.get(`${base}/broken`, 2_000)).toEqual({ status: 500, ok: false });
  });

  it('reports a redirect as such and never follows it', async () => {
    expect(await probe.get(`${base}/redirect`, 2_000)).toEqual({ status: 302, ok: false });
    expect(requestedPaths).not.toContain('/redirect-target');
  });

  it('gives up after the timeout', async () => {
    const began = Date.now();
    const result = await probe.get(`${base}/slow`, 200);
    expect(Date.now() - began).toBeLessThan(1_500);
    expect(result).toEqual({ status: 0, ok: false, error: 'no answer within 200 ms' });
  });

  it('reports a refused connection with its cause', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const result = await probe.get(`http://127.0.0.1:${port}/`, 2_000);
    expect(result).toMatchObject({ status: 0, ok: false });
    expect(result.error).toMatch(/ECONNREFUSED/);
  });
});
