// FetchHttpProbe against a local HTTP server, held to the same contract as FakeHttpProbe
// (test/unit/fakes/contracts.test.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { FetchHttpProbe } from '../../../src/adapters/http-probe';
import { describeHttpProbeContract, type HttpProbeSubject } from '../../contracts/http-probe';

let server: http.Server;
let base: string;
let closedPort: number;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const status = Number(/^\/status\/(\d{3})$/.exec(req.url ?? '')?.[1] ?? 404);
    res.writeHead(status, status >= 300 && status < 400 ? { location: '/status/200' } : {}).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port that was free a moment ago and has nothing listening now.
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const subject: HttpProbeSubject = {
  probe: new FetchHttpProbe(),
  answering: (status) => `${base}/status/${status}`,
  unreachable: () => `http://127.0.0.1:${closedPort}/`,
};

describeHttpProbeContract('FetchHttpProbe', () => subject);
