// Shared by the planning and action-handler tests: a service `api` with two containers (api-1 unhealthy), a heal
// request for it, and the planning input around a named strategy, with a policy that manages `api`.
import type { ContainerInfo } from '../../../src/domain/observations';
import type { HealInput } from '../../../src/domain/heal';
import type { PlanningInput } from '../../../src/domain/planning';
import { getStrategy } from '../../../src/domain/strategies';

export const NOW = Date.parse('2026-11-29T03:12:00Z');

export function container(name: string, over: Partial<ContainerInfo> = {}): ContainerInfo {
  return {
    id: `${name}-id`,
    name,
    image: 'selfheal/busybox:1',
    state: 'running',
    health: 'healthy',
    startedAt: '2026-11-29T03:00:00.000000001Z',
    restartCount: 0,
    labels: { 'selfheal.service': 'api' },
    service: 'api',
    ...over,
  };
}

export function heal(over: Partial<HealInput> = {}): HealInput {
  return {
    service: 'api',
    diagnosis: { issue_type: 'degradation', root_cause: 'elevated error rate', confidence: 0.8, impacted_components: ['api'], recommended_strategies: ['restart_unhealthy'] },
    context: { services: ['api'], containers: ['api-1', 'api-2'] },
    dryRun: false,
    verify: [],
    requireApproval: false,
    skipIfHealthy: false,
    actor: 'alice',
    requestId: 'req-1',
    ...over,
  };
}

export function input(strategyName: string | null, over: Partial<PlanningInput> = {}, healOver: Partial<HealInput> = {}): PlanningInput {
  const strategy = strategyName ? getStrategy(strategyName)! : null;
  return {
    heal: heal(healOver),
    attemptId: 'att-1',
    workflowId: 'heal-api',
    strategy,
    selection: { method: strategy ? 'explicit' : 'none', reason: strategy ? 'test' : 'nothing recommended', candidates: strategyName ? [strategyName] : [] },
    preconditionChecks: [],
    observed: {
      containers: [
        { ref: 'api-1', info: container('api-1', { health: 'unhealthy' }) },
        { ref: 'api-2', info: container('api-2') },
      ],
      serviceContainers: [container('api-1', { health: 'unhealthy' }), container('api-2')],
      queues: [],
      recentHeals: [],
      appliedInWindow: 0,
    },
    policy: {
      budgetMax: 5,
      budgetPerServiceMax: 5,
      budgetWindowSeconds: 3600,
      circuitBreakerFailures: 3,
      approvalTimeoutSeconds: 60,
      verifyIntervalSeconds: 2,
      verifyAttempts: 10,
      verifyHttpAllowlist: ['http://127.0.0.1:3000/health'],
      backpressureReleaseSeconds: 900,
      managedServices: ['api'],
      protectedServices: ['selfheal*'],
      queueAllowlist: [{ service: 'api', queue: 'events' }],
    },
    now: NOW,
    ...over,
  };
}
