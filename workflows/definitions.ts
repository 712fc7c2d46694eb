// Names the API and the worker share: workflow ids, queries, updates, signals and search attributes.
// Imports only @temporalio/workflow, @temporalio/common and types, so the API can import it without pulling in workflow code.
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApprovalDecision, HealPlan, HealStatus } from '../src/domain/heal';
import type { WatchStatus } from '../src/domain/autopilot';

/** One applied heal at a time per service: the workflow id is the lock. */
export function healWorkflowId(service: string): string {
  return `heal-${service}`;
}

/** Dry runs have no effects, so they never take the service's lock. */
export function dryRunWorkflowId(service: string, requestId: string): string {
  return `heal-dryrun-${service}-${requestId}`;
}

export function analyzeWorkflowId(service: string, requestId: string): string {
  return `analyze-${service}-${requestId}`;
}

/** One watch per service: the workflow id is its lock too (started with USE_EXISTING by every worker). */
export function watchWorkflowId(service: string): string {
  return `watch-${service}`;
}

export const watchStatusQuery = defineQuery<WatchStatus>('watchStatus');

export const healStatusQuery = defineQuery<HealStatus>('healStatus');
/** Resolves with the plan as soon as it is made, so the API can answer with it without waiting for the heal. */
export const planUpdate = defineUpdate<HealPlan>('plan');
export const decideApprovalUpdate = defineUpdate<HealStatus, [ApprovalDecision]>('decideApproval');
export const cancelHealSignal = defineSignal<[{ actor: string; reason: string }]>('cancelHeal');
/** A worker saw one of the service's containers turn unhealthy, die or be OOM-killed: the watch samples now. */
export const containerEventSignal = defineSignal<[{ container: string; action: string; at: number }]>('containerEvent');

export const searchAttributes = {
  service: defineSearchAttributeKey('SelfhealService', 'KEYWORD'),
  issueType: defineSearchAttributeKey('SelfhealIssueType', 'KEYWORD'),
  strategy: defineSearchAttributeKey('SelfhealStrategy', 'KEYWORD'),
  dryRun: defineSearchAttributeKey('SelfhealDryRun', 'BOOL'),
  outcome: defineSearchAttributeKey('SelfhealOutcome', 'KEYWORD'),
};
