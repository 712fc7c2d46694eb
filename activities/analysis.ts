// The analyze activity: detection and diagnosis (pure domain) inside one exactly-once store transaction.
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
        (baselines) =>
          analyzeSample({
            baselines,
            metrics: input.metrics,
            at: input.at,
            context: input.context,
            service: input.service,
            rules: deps.rules,
            detector,
          }),
      );
      return {
        workflow_id: input.workflowId,
        service: input.service,
        at: new Date(input.at).toISOString(),
        anomalies: outcome.anomalies,
        diagnosis: outcome.diagnosis,
        sample_counts: outcome.sampleCounts,
      };
    },
  };
}
