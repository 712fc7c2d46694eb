// analyzeMetrics hands the outbox what the store read under the service's lock at the commit: the pending rows when
// the store carried them back, else a wake (the outbox reads the stream itself).
import { describe, expect, it } from 'vitest';
import { createAnalysisActivities } from '../../../activities/analysis';
import type { AnalysisOutcome, PendingEvent } from '../../../src/adapters/ports';
import { fakeDeps } from '../../fakes/deps';
import { recordingActivityEnv } from '../../helpers/activity-env';

const { env } = recordingActivityEnv();

async function analyzeWith(pendingEvents: PendingEvent[] | undefined) {
  const deps = fakeDeps();
  deps.analysisStore = {
    analyzeOnce: async (input, compute) => {
      const computed = compute({}, 1_700_000_000_000);
      const outcome: AnalysisOutcome = { ...computed, sampleCounts: {}, at: 1_700_000_000_000, replayed: false };
      return pendingEvents ? { ...outcome, pendingEvents } : outcome;
    },
    getBaselines: async () => ({}),
  };
  const input = { service: 'svc', metrics: { error_rate: 0.01 }, at: null, context: {}, actor: 'test', requestId: 'r-1', workflowId: 'analyze-1', runId: 'run-1' };
  await env.run(createAnalysisActivities(deps).analyzeMetrics, input);
  return deps.outbox;
}

describe('analyzeMetrics and the outbox', () => {
  it('hands the outbox the pending rows the store read at the commit, with no wake', async () => {
    const outbox = await analyzeWith([{ id: 'e1', seq: 1, body: '{}' }, { id: 'e2', seq: 2, body: '{}' }]);
    expect(outbox.handed).toEqual([{ stream: 'svc', ids: ['e1', 'e2'] }]);
    expect(outbox.woken).toEqual([]);
  });

  it('wakes the stream when the store carried no rows back (more were pending than it carries)', async () => {
    const outbox = await analyzeWith(undefined);
    expect(outbox.handed).toEqual([]);
    expect(outbox.woken).toEqual(['svc']);
  });
});
