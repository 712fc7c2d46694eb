// The analyze activity: detection and diagnosis (pure domain) recorded exactly once by the store, then the
// analyzed event, published after the commit and confirmed by the broker, so the workflow needs no second activity.
import { ApplicationFailure } from '@temporalio/common';
import type { AnalyzeInput, AnalyzeResult } from '../src/domain/heal';
import { analyzedEvent, analyzeSample, detectorFor } from '../src/domain/analysis';
import { seriesRefusal, servicesRefusal } from '../src/domain/bounds';
import type { ActivityDeps } from './deps';

export function createAnalysisActivities(deps: ActivityDeps) {
  const detector = detectorFor(deps.config.detection);
  return {
    /** A retry after the commit finds the recorded analysis and publishes its event again (consumers drop the duplicate by id). */
    async analyzeMetrics(input: AnalyzeInput & { workflowId: string; runId: string }): Promise<AnalyzeResult> {
      // A bound, not a lock: concurrent first analyses of new services may pass it by a few.
      const { known, count } = await deps.serviceRegistry.lookup(input.service);
      const tooManyServices = servicesRefusal(input.service, known, count, deps.config.detection.maxServices);
      if (tooManyServices) {
        throw ApplicationFailure.create({ type: 'ValidationError', nonRetryable: true, message: `${tooManyServices.field}: ${tooManyServices.reason}`, details: [tooManyServices] });
      }
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
          const tooMany = seriesRefusal(Object.keys(baselines), Object.keys(input.metrics), deps.config.detection.maxSeriesPerService);
          if (tooMany) {
            throw ApplicationFailure.create({ type: 'ValidationError', nonRetryable: true, message: `${tooMany.field}: ${tooMany.reason}`, details: [tooMany] });
          }
          const analysis = analyzeSample({ baselines, metrics: input.metrics, at, context: input.context, service: input.service, rules: deps.rules, detector });
          const [refused] = analysis.refused;
          // Thrown before the store writes anything; the API answers 400 naming the field.
          if (refused) {
            throw ApplicationFailure.create({ type: 'ValidationError', nonRetryable: true, message: `${refused.field}: ${refused.reason}`, details: [refused] });
          }
          return analysis;
        },
      );
      const result: AnalyzeResult = {
        workflow_id: input.workflowId,
        service: input.service,
        at: new Date(outcome.at).toISOString(),
        anomalies: outcome.anomalies,
        diagnosis: outcome.diagnosis,
        sample_counts: outcome.sampleCounts,
      };
      await deps.publisher.publish([analyzedEvent(result, input.runId)]);
      return result;
    },
  };
}
