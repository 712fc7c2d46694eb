// recreate_container: stop a container, remove it and create it again from the same configuration (name, image,
// labels, environment, command, healthcheck, host configuration): a new id, a fresh writable layer, the same
// container to everyone who addresses it by name. The configuration is saved before the removal, so every step
// has an undo: compensation starts a stopped original again, or creates it from the saved configuration when it was
// removed and not (yet) created again. The strategy's `select` parameter says which containers ('failing' or 'all').
import { isFailingContainer } from '../strategies/preconditions';
import { CONTAINER_HEALTH_DEFAULT, stringParam, type ActionHandler } from './handler';

export const recreateContainer: ActionHandler<'recreate_container'> = {
  kind: 'recreate_container',
  inverse: { kind: 'restore_container', description: 'start the original again, or create it from its saved configuration' },
  planSteps({ action, allowed }) {
    const select = stringParam(action, 'select', 'failing');
    const targets = select === 'failing' ? allowed.filter((c) => isFailingContainer({ id: c.id, state: c.state, health: c.health })) : allowed;
    return targets.map((c) => ({
      action: 'recreate_container' as const,
      // The planned id tells a retried step whether the container it finds under the name is already the new one.
      target: { kind: 'container' as const, id: c.id, name: c.name },
      params: {},
      expected_effect: `recreate ${c.name} (${c.state}, health ${c.health}) from its own configuration, under a new id`,
    }));
  },
  blastRadius: () => 1,
  engineContainer: (step) => step.target.id,
  // The recreated container has a new id: it is observed by its name.
  observedTargets: (step) => [{ kind: 'container', ref: step.target.name ?? step.target.id, label: step.target.name ?? step.target.id }],
  defaultVerifier: CONTAINER_HEALTH_DEFAULT,
};
