import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config';
import { retentionScheduleId } from '../../../src/main/retention-schedule';

describe('retentionScheduleId', () => {
  it('keeps the name existing deployments have on the default task queue', () => {
    expect(retentionScheduleId(loadConfig({}))).toBe('selfheal-retention');
  });

  it('gives a worker on another task queue a schedule of its own, so it never re-points the deployment’s', () => {
    const bench = retentionScheduleId(loadConfig({ TEMPORAL_TASK_QUEUE: 'bench-perf-1234' }));
    expect(bench).toBe('bench-perf-1234-retention');
    expect(bench).not.toBe(retentionScheduleId(loadConfig({})));
  });
});
