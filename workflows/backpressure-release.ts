// releaseBackpressureWorkflow: lifts the backpressure a verified heal left on its queues, after
// HEAL_BACKPRESSURE_RELEASE_SECONDS. A child of the heal that outlives it (parent close policy ABANDON), so the heal
// completes (and frees the service's lock) as soon as it is verified, while the policy never stays for ever.
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PlanStep, StepResult } from '../src/domain/heal';
import * as presets from './activity-options';

const { compensateStep } = proxyActivities<Activities>(presets.compensation);

export interface BackpressureReleaseInput {
  service: string;
  /** The heal's attempt id. */
  healKey: string;
  /** The heal's apply_backpressure steps that took effect. */
  steps: PlanStep[];
  releaseAfterSeconds: number;
}

export function backpressureReleaseWorkflowId(service: string, attemptId: string): string {
  return `backpressure-release-${service}-${attemptId}`;
}

export async function releaseBackpressureWorkflow(input: BackpressureReleaseInput): Promise<StepResult[]> {
  if (input.releaseAfterSeconds > 0) await sleep(input.releaseAfterSeconds * 1000);
  const results: StepResult[] = [];
  for (const step of input.steps) {
    results.push(await compensateStep({ step, result: null, healKey: input.healKey, service: input.service }));
  }
  return results;
}
