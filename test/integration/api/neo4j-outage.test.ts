// With Neo4j stopped, the API answers reads with a 503 and Retry-After at once (its driver gives up within about two
// seconds), names the dependency without leaking the driver's message, and serves again when Neo4j is back. The
// analysis store reports the outage as the driver's retryable error (not a TypeError from a broken helper).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { isRetryableError } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Neo4jAnalysisStore } from '../../../src/adapters/neo4j/analysis-store';
import { connectNeo4j, type Neo4jConnection } from '../../../src/adapters/neo4j/driver';
import { analysisInput, announceFor, countingCompute, deleteServices, uniqueService } from '../../helpers/neo4j';
import { healBody } from '../../helpers/heal';
import { startTestStack, type TestStack } from '../../helpers/stack';

const repo = path.resolve(__dirname, '../../..');
const service = uniqueService('neo4j-outage');
let stack: TestStack;
let connection: Neo4jConnection;

function neo4jService(action: 'up' | 'down'): void {
  execFileSync('bash', [path.join(repo, 'scripts/services.sh'), action, 'neo4j'], { cwd: repo, stdio: 'inherit' });
}

const READS = [
  '/api/self_healing/snapshots',
  '/api/self_healing/anomalies',
  '/api/self_healing/attempts',
  `/api/self_healing/why?service=${service}`,
  `/api/self_healing/baselines?service=${service}`,
  '/api/self_healing/learning',
];

beforeAll(async () => {
  stack = await startTestStack({ DRY_RUN_TIMEOUT_MS: '3000' });
  connection = await connectNeo4j(stack.config.neo4j, 'worker');
  const input = analysisInput(service, 1_700_000_000_000, { error_rate: 0.01 });
  await new Neo4jAnalysisStore(connection).analyzeOnce(input, countingCompute(input), announceFor(input));
});

afterAll(async () => {
  neo4jService('up');
  await deleteServices(connection, [service]);
  await connection?.driver.close();
  await stack?.stop();
});

describe('reads while Neo4j is down', () => {
  it('answer 503 with Retry-After, fast, naming the dependency only; the store fails with a retryable error', async () => {
    for (const url of READS) expect((await stack.call('GET', url, undefined, 'viewer')).status, url).toBe(200);
    neo4jService('down');
    try {
      for (const url of READS) {
        const started = Date.now();
        const res = await fetch(stack.baseUrl + url, { headers: { authorization: `Bearer ${stack.token('viewer')}` } });
        const elapsed = Date.now() - started;
        const body = (await res.json()) as { error: string; message: string };
        expect(res.status, url).toBe(503);
        expect(res.headers.get('retry-after'), url).toBe('5');
        expect(body).toEqual({ error: 'unavailable', message: 'the audit store (Neo4j) is unavailable; retry shortly' });
        // The target is 2 s (docs/reliability.md); the bound here only catches the old 65 s hang on a busy machine.
        expect(elapsed, url).toBeLessThan(10_000);
      }
      // A dry run needs the audit to plan: it answers 503 dry_run_pending once DRY_RUN_TIMEOUT_MS has passed.
      const dryRun = await stack.call('POST', '/api/self_healing/heal', { ...healBody(service, 'restart_unhealthy'), dry_run: true, context: { services: [service] } });
      expect(dryRun.status).toBe(503);
      expect(dryRun.body).toMatchObject({ error: 'dry_run_pending', message: expect.stringContaining(`heal-dryrun-${service}-`) });
      const input = analysisInput(service, 1_700_000_001_000, { error_rate: 0.01 });
      const failure = await new Neo4jAnalysisStore(connection).analyzeOnce(input, countingCompute(input), announceFor(input)).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(Error);
      expect(isRetryableError(failure)).toBe(true);
    } finally {
      neo4jService('up');
    }
    for (const url of READS) {
      // The pool reconnects on the first call after the restart.
      const res = await stack.call('GET', url, undefined, 'viewer');
      expect(res.status, url).toBe(200);
    }
  });
});
