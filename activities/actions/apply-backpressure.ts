import type { ActionExecutor } from './executor';

export const applyBackpressureExecutor: ActionExecutor<'apply_backpressure'> = {
  kind: 'apply_backpressure',
  async execute(step, { deps }) {
    const target = step.target.id;
    const { policy, base } = await deps.queues.applyBackpressure(target, step.params.maxLength ?? 1000);
    const merged = base ? ` (merged with its own policy ${base}, which is left as it was)` : '';
    return { changed: true, detail: `policy ${policy} limits ${target} to ${step.params.maxLength} messages${merged}`, affected: [policy] };
  },
  async compensate(step, { deps }) {
    await deps.queues.releaseBackpressure(step.target.id);
    return { changed: true, detail: `released backpressure on ${step.target.id}`, affected: [step.target.id] };
  },
};
