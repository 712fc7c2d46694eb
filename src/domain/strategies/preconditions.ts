import type { CheckResult, ContainerObservation, HealContext, Precondition, Strategy } from '../types';

const FAILING_STATES: ReadonlySet<ContainerObservation['state']> = new Set(['exited', 'restarting', 'dead']);

export function isFailingContainer(c: ContainerObservation): boolean {
  return FAILING_STATES.has(c.state) || c.health === 'unhealthy';
}

function describe(names: string[]): string {
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}

function checkNonEmpty(p: Precondition, context: HealContext): CheckResult {
  const items = context[p.field] ?? [];
  return {
    name: `${p.field} non_empty`,
    passed: items.length > 0,
    detail: items.length > 0 ? `${p.field}: ${describe(items)}` : `context has no ${p.field}: ${p.reason}`,
  };
}

/** Unknown states pass: the action itself observes the containers before touching them. */
function checkAnyUnhealthy(p: Precondition, context: HealContext): CheckResult {
  const name = `${p.field} any_unhealthy`;
  const allowed = new Set(context.containers ?? []);
  const observed = (context.container_states ?? []).filter(
    (c) => allowed.has(c.id) || (c.name !== undefined && allowed.has(c.name)),
  );
  if (observed.length === 0) {
    return {
      name,
      passed: true,
      detail: 'no observed state for the allowed containers; the action observes them first',
    };
  }
  const failing = observed.filter(isFailingContainer).map((c) => c.name ?? c.id);
  return {
    name,
    passed: failing.length > 0,
    detail:
      failing.length > 0 ? `failing: ${describe(failing)}` : `all observed allowed containers are healthy: ${p.reason}`,
  };
}

/** One result per precondition, in the strategy's order; a strategy may run only when all passed. */
export function checkPreconditions(strategy: Strategy, context: HealContext): CheckResult[] {
  return strategy.preconditions.map((p) =>
    p.rule === 'non_empty' ? checkNonEmpty(p, context) : checkAnyUnhealthy(p, context),
  );
}
