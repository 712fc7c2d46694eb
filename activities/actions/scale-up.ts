import { replicaKey } from '../../src/domain/actions';
import type { ActionExecutor } from './executor';

export const scaleUpExecutor: ActionExecutor<'scale_up'> = {
  kind: 'scale_up',
  async execute(step, { deps, healKey }) {
    const ids = await deps.containers.ensureReplicas(step.params.template!, replicaKey(healKey, step), step.params.replicas ?? 1);
    return { changed: true, detail: `${ids.length} replica(s) of ${step.target.id} running`, affected: ids };
  },
  async compensate(step, { deps, healKey }) {
    const removed = await deps.containers.removeReplicas(replicaKey(healKey, step));
    return { changed: removed.length > 0, detail: `removed ${removed.length} replica(s) added by this heal`, affected: removed };
  },
};
