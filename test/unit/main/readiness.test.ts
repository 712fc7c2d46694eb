import { describe, expect, it } from 'vitest';
import { checkReadiness } from '../../../src/main/readiness';

describe('checkReadiness', () => {
  it('is ready when every dependency answers', async () => {
    const report = await checkReadiness([
      { name: 'a', check: async () => 1 },
      { name: 'b', check: async () => undefined },
    ]);
    expect(report).toEqual({ ready: true, checks: { a: 'ok', b: 'ok' }, failing: [] });
  });

  it('names a dependency that fails and one that does not answer in time, without their messages', async () => {
    const report = await checkReadiness(
      [
        { name: 'temporal', check: async () => undefined },
        { name: 'neo4j', check: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.1:7687 secret details')) },
        { name: 'rabbitmq', check: () => new Promise(() => undefined) },
      ],
      50,
    );
    expect(report).toEqual({ ready: false, checks: { temporal: 'ok', neo4j: 'unavailable', rabbitmq: 'timeout' }, failing: ['neo4j', 'rabbitmq'] });
  });
});
