// recreate_container: stop, remove and create again from the saved configuration, keyed by attempt and step so a
// retried activity never recreates twice (ContainerRuntime.recreateOnce). Compensation starts a stopped original
// again, or creates it from the saved configuration when it was removed (ContainerRuntime.restoreRecreated).
import { heartbeat } from '@temporalio/activity';
import { stepKey, type ActionExecutor } from './executor';

export const recreateContainerExecutor: ActionExecutor<'recreate_container'> = {
  kind: 'recreate_container',
  async execute(step, { deps, healKey }) {
    const name = step.target.name ?? step.target.id;
    heartbeat();
    const r = await deps.containers.recreateOnce(step.target.id, name, stepKey(healKey, step));
    // A saved configuration found on arrival means an earlier attempt of this step began the recreate.
    const ours = r.recreated || r.savedBefore;
    const detail = r.recreated
      ? `recreated ${name} from its configuration (new id ${r.id.slice(0, 12)})`
      : ours
        ? `${name} was recreated by an earlier attempt of this step (id ${r.id.slice(0, 12)})`
        : `${name} is no longer the container planned (now ${r.id.slice(0, 12)}): someone else replaced it, nothing done`;
    return { changed: ours, detail, affected: [r.id] };
  },
  async compensate(step, { deps, healKey }) {
    const name = step.target.name ?? step.target.id;
    const r = await deps.containers.restoreRecreated(name, stepKey(healKey, step));
    return { changed: r.restored, detail: r.detail, affected: r.id ? [r.id] : [] };
  },
};
