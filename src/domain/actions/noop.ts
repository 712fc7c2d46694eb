// noop: the observe strategy's action. It records the diagnosis and changes nothing, so it plans no step (and the
// plan of an observe heal is refused for having nothing to act on: the diagnosis is still in the audit).
import type { ActionHandler } from './handler';

export const noop: ActionHandler<'noop'> = {
  kind: 'noop',
  inverse: null,
  planSteps: () => [],
  blastRadius: () => 0,
  engineContainer: () => null,
  observedTargets: () => [],
  defaultVerifier: null,
};
