// healWorkflow's activities replaced by recording stubs, and the plans and inputs to drive them: shared by the heal's
// and the watch's workflow tests on the time-skipping test server.
import { randomUUID } from 'node:crypto';
import type { Activities } from '../../activities';
import type { HealInput, HealPlan, PlanStep } from '../../src/domain/heal';
import type { HealStepRecord } from '../../src/adapters/ports';
import { ActionFailedError } from '../../src/errors';

export function step(index: number, action: PlanStep['action'], inverse: PlanStep['rollback']['action']): PlanStep {
  return {
    index,
    action,
    target: { kind: action === 'apply_backpressure' ? 'queue' : 'service', id: `t${index}` },
    params: {},
    expected_effect: `${action} t${index}`,
    rollback: { action: inverse, description: inverse ? `${inverse} t${index}` : 'none needed' },
  };
}

export function plan(over: Partial<HealPlan> = {}): HealPlan {
  return {
    attempt_id: 'x',
    workflow_id: 'x',
    service: 'svc',
    dry_run: false,
    issue_type: 'degradation',
    root_cause: 'r',
    strategy: 'scale_service',
    risk: 'medium',
    selection: { method: 'explicit', reason: 'test', candidates: ['scale_service'] },
    steps: [step(0, 'scale_up', 'remove_replicas'), step(1, 'restart_container', null), step(2, 'apply_backpressure', 'release_backpressure')],
    safety_checks: [{ name: 'budget', passed: true, detail: 'ok' }],
    allowed: true,
    requires_approval: false,
    approval_reasons: [],
    approval_timeout_seconds: 30,
    backpressure_release_seconds: 0,
    verifiers: [{ name: 'container_health' }],
    verification: { interval_seconds: 0.1, max_checks: 3, consecutive_required: 2 },
    ...over,
  };
}

export function input(over: Partial<HealInput> = {}): HealInput {
  return {
    service: 'svc',
    diagnosis: { issue_type: 'degradation', root_cause: 'r', confidence: 0.8, impacted_components: ['svc'], recommended_strategies: ['scale_service'] },
    context: { services: ['svc'] },
    dryRun: false,
    verify: [],
    requireApproval: false,
    skipIfHealthy: false,
    actor: 'tester',
    requestId: randomUUID(),
    ...over,
  };
}

export interface Behaviour {
  plan?: HealPlan;
  verdicts?: boolean[];
  failAction?: number;
  failCompensation?: number;
  /** Actions find their effect already there (changed: false). */
  unchanged?: boolean;
  /** The atomic budget reservation is refused. */
  budgetSpent?: boolean;
}

/** Activities that record what they were asked to do and behave as told. */
export function stubs(b: Behaviour) {
  const calls: string[] = [];
  const steps: HealStepRecord[] = [];
  const verdicts = [...(b.verdicts ?? [true, true])];
  const record = (s: HealStepRecord[]) => {
    steps.push(...s);
    return { at: Date.now(), seqs: s.map((x) => x.seq) };
  };
  const planned = ({ attemptId, workflowId }: { attemptId: string; workflowId: string }): HealPlan => ({ ...(b.plan ?? plan()), attempt_id: attemptId, workflow_id: workflowId });
  const activities: Activities = {
    analyzeMetrics: async () => {
      throw new Error('not used');
    },
    // The watch's own; its tests (test/unit/workflows/watch.test.ts) put theirs in.
    watchTick: async () => {
      throw new Error('not used');
    },
    settleHeal: async () => {
      throw new Error('not used');
    },
    notify: async () => {
      throw new Error('not used');
    },
    planHeal: async (asked) => planned(asked),
    planHealHere: async (asked) => ({ plan: planned(asked) }),
    recordHeal: async ({ steps: s }) => record(s),
    recordAndPublishHeal: async ({ steps: s }) => record(s),
    publishEvents: async () => undefined,
    executeStep: async ({ step: s }) => {
      calls.push(`do ${s.index}`);
      if (b.failAction === s.index) throw new ActionFailedError(`step ${s.index} broke`);
      return { changed: !b.unchanged, detail: `did ${s.index}`, affected: [] };
    },
    compensateStep: async ({ step: s }) => {
      calls.push(`undo ${s.index}`);
      if (b.failCompensation === s.index) throw new ActionFailedError(`undo ${s.index} broke`);
      return { changed: true, detail: `undid ${s.index}`, affected: [] };
    },
    reserveHealBudget: async () => {
      calls.push('reserve');
      return b.budgetSpent ? { granted: false, reason: 'budget spent: test' } : { granted: true, reason: 'reserved' };
    },
    releaseHealBudget: async () => {
      calls.push('release');
    },
    pruneAnalysisRecords: async () => 0,
    // No Docker host: the steps and the verification stay on the test's own task queue.
    dockerHosts: async () => ({ hosts: [] }),
    observeOwnDockerHost: async () => ({ hosts: [], own: null }),
    observeDockerHost: async () => {
      throw new Error('not used');
    },
    verifyHealth: async () => {
      calls.push('verify');
      const healthy = verdicts.length > 0 ? verdicts.shift()! : false;
      return { healthy, evidence: [healthy ? 'ok' : 'bad'] };
    },
  };
  return { activities, calls, steps };
}
