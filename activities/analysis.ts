// The analyze activity: detection and diagnosis (pure domain) inside one exactly-once store transaction.
import { ApplicationFailure } from '@temporalio/common';
import type { AnalyzeInput, AnalyzeResult } from '../src/domain/heal';
import { analyzeSample, detectorFor } from '../src/domain/analysis';
import type { ActivityDeps } from './deps';

export function createAnalysisActivities(deps: ActivityDeps) {
  const detector = detectorFor(deps.config.detection);
  return {
    async analyzeMetrics(input: AnalyzeInput & { workflowId: string }): Promise<AnalyzeResult> {
      const outcome = await deps.analysisStore.analyzeOnce(
        {
          analysisId: input.workflowId,
          service: input.service,
          at: input.at,
          metrics: input.metrics,
          context: input.context,
          workflowId: input.workflowId,
          actor: input.actor,
          requestId: input.requestId,
        },
        (baselines, at) => {
          const analysis = analyzeSample({ baselines, metrics: input.metrics, at, context: input.context, service: input.service, rules: deps.rules, detector });
          const [refused] = analysis.refused;
          // Thrown inside the store's transaction, so nothing is written; the API answers 400 naming the field.
          if (refused) {
            throw ApplicationFailure.create({ type: 'ValidationError', nonRetryable: true, message: `${refused.field}: ${refused.reason}`, details: [refused] });
          }
          return analysis;
        },
      );
      return {
        workflow_id: input.workflowId,
        service: input.service,
        at: new Date(outcome.at).toISOString(),
        anomalies: outcome.anomalies,
        diagnosis: outcome.diagnosis,
        sample_counts: outcome.sampleCounts,
      };
    },
  };
}
