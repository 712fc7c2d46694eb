// The server-side inventory: what a heal may touch does not depend on what the request lists.
import { describe, expect, it } from 'vitest';
import type { ContainerInfo } from '../../../src/adapters/ports';
import { containerRefusal, parseQueueAllowlist, queueRefusal, serviceRefusal, type InventoryPolicy } from '../../../src/domain/inventory';
import { buildHealPlan, type PlanPolicy } from '../../../src/domain/planning';
import type { HealInput } from '../../../src/domain/heal';
import { getStrategy } from '../../../src/domain/strategies';
import { DEFAULT_PROTECTED_SERVICES, loadConfig } from '../../../src/config';

const inventory: InventoryPolicy = {
  managedServices: ['checkout'],
  protectedServices: DEFAULT_PROTECTED_SERVICES,
  queueAllowlist: [
    { service: 'checkout', queue: 'checkout.*' },
    { service: '*', queue: '{service}.work' },
  ],
};

function container(name: string, labels: Record<string, string>, over: Partial<ContainerInfo> = {}): ContainerInfo {
  return {
    id: `${name}-0123456789abcdef`,
    name,
    image: 'selfheal/busybox:1',
    state: 'running',
    health: 'unhealthy',
    startedAt: '2026-11-29T03:00:00.000000001Z',
    restartCount: 0,
    labels,
    service: labels['selfheal.service'] ?? null,
    ...over,
  };
}

describe('containerRefusal', () => {
  it('accepts a labelled container of a managed service, or one that opts in', () => {
    expect(containerRefusal(container('c1', { 'selfheal.service': 'checkout' }), 'checkout', inventory)).toBeNull();
    expect(containerRefusal(container('p1', { 'selfheal.service': 'payments', 'selfheal.managed': 'true' }), 'payments', inventory)).toBeNull();
  });

  it('refuses unlabelled, mismatched, unmanaged and infrastructure containers, naming why', () => {
    expect(containerRefusal(container('neo4j', {}), 'checkout', inventory)).toMatch(/no selfheal.service label/);
    expect(containerRefusal(container('p1', { 'selfheal.service': 'payments' }), 'checkout', inventory)).toMatch(/belongs to payments, not checkout/);
    expect(containerRefusal(container('p1', { 'selfheal.service': 'payments' }), 'payments', inventory)).toMatch(/not managed/);
    expect(containerRefusal(container('p1', { 'selfheal.service': 'payments', 'selfheal.managed': 'yes' }), 'payments', inventory)).toMatch(/not managed/);
    expect(
      containerRefusal(container('api', { 'selfheal.service': 'checkout', 'selfheal.infrastructure': 'true' }), 'checkout', inventory),
    ).toMatch(/infrastructure/);
  });

  it('never lets selfheal, Temporal, Neo4j, RabbitMQ or PostgreSQL be healed, even opted in', () => {
    for (const service of ['selfheal', 'selfheal-api', 'selfheal-worker', 'temporal', 'temporal-ui', 'neo4j', 'rabbitmq', 'postgresql']) {
      expect(serviceRefusal(service, inventory), service).toMatch(/infrastructure/);
      expect(containerRefusal(container(service, { 'selfheal.service': service, 'selfheal.managed': 'true' }), service, inventory), service).toMatch(/infrastructure/);
    }
    expect(serviceRefusal('checkout', inventory)).toBeNull();
  });
});

describe('queueRefusal', () => {
  it('allows what the service allowlist names, {service} standing for the heal service', () => {
    expect(queueRefusal('checkout.orders', 'checkout', inventory)).toBeNull();
    expect(queueRefusal('billing.work', 'billing', inventory)).toBeNull();
  });

  it('refuses other queues, another service’s queues and selfheal’s own', () => {
    expect(queueRefusal('billing.orders', 'checkout', inventory)).toMatch(/not in the allowlist of checkout/);
    expect(queueRefusal('checkout.orders', 'billing', inventory)).toMatch(/not in the allowlist of billing/);
    expect(queueRefusal('checkout.work', 'billing', inventory)).toMatch(/not in the allowlist/);
    expect(queueRefusal('selfheal.relay.api-1', 'checkout', { ...inventory, queueAllowlist: [{ service: '*', queue: '*' }] })).toMatch(/selfheal's own/);
  });

  it('treats regex characters in patterns literally', () => {
    expect(queueRefusal('checkoutXorders', 'checkout', { ...inventory, queueAllowlist: [{ service: 'checkout', queue: 'checkout.orders' }] })).not.toBeNull();
  });
});

describe('HEAL_QUEUE_ALLOWLIST', () => {
  it('parses service=queue entries and refuses malformed ones and patterns that cover selfheal queues', () => {
    expect(parseQueueAllowlist(['checkout=checkout.*', '*={service}.work'])).toEqual({ entries: inventory.queueAllowlist, problems: [] });
    expect(parseQueueAllowlist(['checkout', '=x', 'a=', 'a=*', 'a=selfheal.relay.*']).problems).toHaveLength(5);
    expect(() => loadConfig({ HEAL_QUEUE_ALLOWLIST: 'checkout' })).toThrow(/HEAL_QUEUE_ALLOWLIST entry "checkout"/);
    expect(loadConfig({ HEAL_QUEUE_ALLOWLIST: 'checkout=checkout.*' }).heal.queueAllowlist).toEqual([{ service: 'checkout', queue: 'checkout.*' }]);
  });
});

describe('the safety envelope with the inventory', () => {
  const policy: PlanPolicy = {
    ...inventory,
    verifyHttpAllowlist: [],
    budgetMax: 100,
    budgetPerServiceMax: 100,
    budgetWindowSeconds: 3600,
    circuitBreakerFailures: 3,
    approvalTimeoutSeconds: 60,
    verifyIntervalSeconds: 1,
    verifyAttempts: 3,
    backpressureReleaseSeconds: 60,
  };
  const heal = (over: Partial<HealInput>): HealInput => ({
    service: 'checkout',
    diagnosis: { issue_type: 'degradation', root_cause: 'x', confidence: 0.8, impacted_components: [], recommended_strategies: [] },
    context: { services: ['checkout'] },
    dryRun: false,
    verify: [],
    requireApproval: false,
    skipIfHealthy: false,
    actor: 'alice',
    requestId: 'r',
    ...over,
  });
  const plan = (strategy: string, h: HealInput, containers: ContainerInfo[], queues: string[] = [], serviceContainers = containers) =>
    buildHealPlan({
      heal: h,
      attemptId: 'a',
      workflowId: 'w',
      strategy: getStrategy(strategy)!,
      selection: { method: 'explicit', reason: 't', candidates: [strategy] },
      preconditionChecks: [],
      observed: {
        containers: containers.map((c) => ({ ref: c.name, info: c })),
        serviceContainers,
        queues: queues.map((name) => ({ name, info: { name, messages: 5, consumers: 0, policy: null, maxLength: null } })),
        recentHeals: [],
        appliedInWindow: 0,
      },
      policy,
      now: 0,
    });
  const failed = (p: ReturnType<typeof plan>) => p.safety_checks.filter((c) => !c.passed).map((c) => c.name);

  it('refuses a restart of an unlabelled container (Neo4j, say) listed in the context', () => {
    const p = plan('restart_unhealthy', heal({ context: { services: ['checkout'], containers: ['neo4j'] } }), [container('neo4j', {})]);
    expect(p.allowed).toBe(false);
    expect(failed(p)).toEqual(['containers_managed']);
    expect(p.safety_checks.find((c) => c.name === 'containers_managed')!.detail).toMatch(/neo4j has no selfheal.service label/);
  });

  it('refuses a new service name for an unmanaged container, and healing selfheal itself', () => {
    const p = plan('restart_unhealthy', heal({ service: 'fresh', context: { services: ['fresh'] } }), [container('x', { 'selfheal.service': 'fresh' })]);
    expect(failed(p)).toEqual(['containers_managed']);
    const own = plan('restart_unhealthy', heal({ service: 'selfheal-worker', context: { services: ['selfheal-worker'] } }), [
      container('w', { 'selfheal.service': 'selfheal-worker', 'selfheal.managed': 'true' }),
    ]);
    expect(failed(own)).toEqual(expect.arrayContaining(['service_managed', 'containers_managed']));
  });

  it('scales only from a managed container of the service itself', () => {
    const other = container('pay-1', { 'selfheal.service': 'payments', 'selfheal.managed': 'true' });
    const p = plan('scale_service', heal({}), [], [], [other]);
    expect(p.steps).toEqual([]);
    expect(failed(p)).toContain('has_targets');
    const own = container('co-1', { 'selfheal.service': 'checkout' }, { health: 'healthy' });
    expect(plan('scale_service', heal({}), [], [], [other, own]).steps[0]!.params.template).toBe(own.id);
  });

  it('refuses queues outside the allowlist, selfheal queues, and a max_length of 0', () => {
    const bp = (queues: string[], maxLength?: number) => plan('apply_backpressure', heal({ dryRun: true, context: { services: ['checkout'], queues }, ...(maxLength === undefined ? {} : { maxLength }) }), [], queues);
    expect(bp(['checkout.orders']).allowed).toBe(true);
    expect(failed(bp(['selfheal.relay.api-1']))).toEqual(['queues_allowed']);
    expect(failed(bp(['billing.orders']))).toEqual(['queues_allowed']);
    expect(failed(bp(['checkout.orders'], 0))).toEqual(['max_length']);
  });
});
