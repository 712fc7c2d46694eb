// analyzeWorkflow: one short local activity folds the metrics into the baselines, diagnoses and records the
// analysis (exactly once per workflow id); then the event goes out.
import { proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AnalyzeInput, AnalyzeResult } from '../src/domain/heal';
import { shortLocal } from './activity-options';

const { analyzeMetrics, publishEvents } = proxyLocalActivities<Activities>(shortLocal);

export async function analyzeWorkflow(input: AnalyzeInput): Promise<AnalyzeResult> {
  const { workflowId, runId } = workflowInfo();
  const result = await analyzeMetrics({ ...input, workflowId });
  await publishEvents([
    {
      id: `${workflowId}:analyzed`,
      type: 'analyze',
      version: 1,
      at: result.at,
      workflowId,
      runId,
      service: input.service,
      step: 'analyzed',
      data: { anomalies: result.anomalies, diagnosis: result.diagnosis },
    },
  ]);
  return result;
}
