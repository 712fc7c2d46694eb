// The analyze activity: detection and diagnosis (pure domain) recorded exactly once by the store, together with the
// analyzed event as a pending outbox event. The outbox publishes it in the background, so a broker outage neither
// fails nor delays an analysis, and the event is still never lost.
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AnalyzeInput, AnalyzeResult } from '../src/domain/heal';
import { analyzedEvent, analyzeSample, detectorFor } from '../src/domain/analysis';
import type { AnalysisOutcome } from '../src/adapters/ports';
import { seriesRefusal, servicesRefusal } from '../src/domain/bounds';
import type { ActivityDeps } from './deps';

/** What analysis needs: the API (ANALYZE_SHAPE=eager, src/api/eager-analyze.ts) builds only these. */
export type AnalysisDeps = Pick<ActivityDeps, 'config' | 'analysisStore' | 'serviceRegistry' | 'outbox' | 'rules' | 'counters'>;

export type RecordedAnalysis = (input: AnalyzeInput & { workflowId: string; runId: string }) => Promise<AnalyzeResult>;

/** Where an analysis says what it recorded: the activity's logger, or the API's own under ANALYZE_SHAPE=eager. */
export type AnalysisLog = (message: string, meta: Record<string, unknown>) => void;

/**
 * One analysis, recorded exactly once per workflowId (the analyze workflow's id, or a watch sample's id). A refused
 * one throws a non-retryable ValidationError naming the field, before anything is written.
 */
export function recordedAnalysis(deps: AnalysisDeps, logRecorded: AnalysisLog = (message, meta) => log.info(message, meta)): RecordedAnalysis {
  const detector = detectorFor(deps.config.detection);
  const lateWindowMs = deps.config.detection.lateWindowSeconds * 1000;
  return async (input) => {
    // A bound, not a lock: concurrent first analyses of new services may pass it by a few.
    const tooManyServices = servicesRefusal(input.service, await deps.serviceRegistry.lookup(input.service), deps.config.detection.maxServices);
    if (tooManyServices) {
      throw ApplicationFailure.create({ type: 'ValidationError', nonRetryable: true, message: `${tooManyServices.field}: ${tooManyServices.reason}`, details: [tooManyServices] });
    }
    const toResult = (outcome: AnalysisOutcome): AnalyzeResult => ({
      workflow_id: input.workflowId,
      service: input.service,
      at: new Date(outcome.at).toISOString(),
      anomalies: outcome.anomalies,
      diagnosis: outcome.diagnosis,
      sample_counts: outcome.sampleCounts,
      late_metrics: outcome.lateMetrics,
    });
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
        const analysis = analyzeSample({ baselines, metrics: input.metrics, at, context: input.context, service: input.service, rules: deps.rules, detector, lateWindowMs });
        const [refused] = analysis.refused;
        // Thrown before the store writes anything; the API answers 400 naming the field.
        if (refused) {
          throw ApplicationFailure.create({ type: 'ValidationError', nonRetryable: true, message: `${refused.field}: ${refused.reason}`, details: [refused] });
        }
        return analysis;
      },
      (outcome) => analyzedEvent(toResult(outcome), input.runId),
    );
    // The rows read under the lock spare the outbox a read; past the store's limit, the outbox reads them itself.
    if (outcome.pendingEvents) deps.outbox.publishRows(input.service, outcome.pendingEvents);
    else deps.outbox.wake(input.service);
    deps.counters.analysisRecorded(outcome.replayed);
    const { diagnosis } = outcome;
    logRecorded(outcome.replayed ? 'analysis answered from its record' : 'analysis recorded', {
      service: input.service,
      anomalies: outcome.anomalies.map((a) => `${a.metric} ${a.severity}`),
      issueType: diagnosis.issue_type,
      confidence: diagnosis.confidence,
      recommended: diagnosis.recommended_strategies,
      lateMetrics: outcome.lateMetrics,
    });
    return toResult(outcome);
  };
}

export function createAnalysisActivities(deps: AnalysisDeps) {
  const analyze = recordedAnalysis(deps);
  return {
    /**
     * A retry after the commit finds the recorded analysis and answers with it; its event is already in the outbox.
     * Started as a Standalone Activity (no workflow), the analysis id is the activity id and its run the activity's.
     */
    analyzeMetrics: (input: AnalyzeInput & { workflowId: string; runId?: string }): Promise<AnalyzeResult> =>
      analyze({ ...input, runId: input.runId ?? Context.current().info.activityRunId ?? '' }),
  };
}
