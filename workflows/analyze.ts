// analyzeWorkflow: one short local activity folds the metrics into the baselines, diagnoses, records the analysis
// (exactly once per workflow id) and publishes the analyzed event: one workflow task, no activity task.
import { proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AnalyzeInput, AnalyzeResult } from '../src/domain/heal';
import { shortLocal } from './activity-options';

const { analyzeMetrics } = proxyLocalActivities<Activities>(shortLocal);

export async function analyzeWorkflow(input: AnalyzeInput): Promise<AnalyzeResult> {
  const { workflowId, runId } = workflowInfo();
  return analyzeMetrics({ ...input, workflowId, runId });
}
