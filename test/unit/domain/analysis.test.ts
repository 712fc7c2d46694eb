import { describe, expect, it } from 'vitest';
import { analyzedEvent } from '../../../src/domain/analysis';
import type { AnalyzeResult } from '../../../src/domain/heal';

const result: AnalyzeResult = {
  workflow_id: 'analyze-api-req-1',
  service: 'api',
  at: '2026-11-29T10:00:00.000Z',
  anomalies: [],
  diagnosis: { issue_type: 'none', root_cause: 'no anomaly detected', confidence: 0, impacted_components: [], recommended_strategies: [] },
  sample_counts: { cpu_load: 3 },
  late_metrics: [],
};

describe('analyzedEvent', () => {
  it('announces the analysis with an id derived from the workflow id, the same on every retry', () => {
    const event = analyzedEvent(result, 'run-1');
    expect(event).toEqual({
      id: 'analyze-api-req-1:analyzed',
      type: 'analyze',
      version: 1,
      at: result.at,
      workflowId: 'analyze-api-req-1',
      runId: 'run-1',
      service: 'api',
      step: 'analyzed',
      data: { anomalies: [], diagnosis: result.diagnosis },
    });
    expect(analyzedEvent(result, 'run-2').id).toBe(event.id);
  });
});
