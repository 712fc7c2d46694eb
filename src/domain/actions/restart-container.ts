// restart_container: restart containers of the allowlist, each once. The strategy's parameters say which
// (`select`: 'failing' restarts only the unhealthy, exited or failing ones; 'all' every one) and whether each step
// waits until its container is healthy again before the next (`wait_healthy_seconds`, 0: no wait).
import { isFailingContainer } from '../strategies/preconditions';
import { CONTAINER_HEALTH_DEFAULT, numberParam, stringParam, type ActionHandler } from './handler';

export const restartContainer: ActionHandler<'restart_container'> = {
  kind: 'restart_container',
  // A restart cannot be undone and leaves nothing behind to remove.
  inverse: null,
  planSteps({ action, allowed }) {
    const select = stringParam(action, 'select', 'all');
    const waitHealthySeconds = numberParam(action, 'wait_healthy_seconds', 0);
    const targets = select === 'failing' ? allowed.filter((c) => isFailingContainer({ id: c.id, state: c.state, health: c.health })) : allowed;
    return targets.map((c) => ({
      action: 'restart_container' as const,
      target: { kind: 'container' as const, id: c.id, name: c.name },
      params: { startedAtBefore: c.startedAt, ...(waitHealthySeconds > 0 ? { waitHealthySeconds } : {}) },
      expected_effect: `restart ${c.name} (${c.state}, health ${c.health})${waitHealthySeconds > 0 ? ', then wait until healthy' : ''}`,
    }));
  },
  blastRadius: () => 1,
  engineContainer: (step) => step.target.id,
  observedTargets: (step) => [{ kind: 'container', ref: step.target.id, label: step.target.name ?? step.target.id }],
  defaultVerifier: CONTAINER_HEALTH_DEFAULT,
};
