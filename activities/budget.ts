// The atomic heal budget: reserved right before a heal's first action, given back when the heal changed nothing.
import { log } from '@temporalio/activity';
import type { ActivityDeps } from './deps';

export function createBudgetActivities(deps: ActivityDeps) {
  return {
    async reserveHealBudget(input: { attemptId: string; service: string }): Promise<{ granted: boolean; reason: string }> {
      const { budgetMax, budgetPerServiceMax, budgetWindowSeconds } = deps.config.heal;
      const r = await deps.budget.reserve({
        attemptId: input.attemptId,
        service: input.service,
        at: deps.now(),
        windowSeconds: budgetWindowSeconds,
        globalMax: budgetMax,
        serviceMax: budgetPerServiceMax,
      });
      const counts = `${r.global} heal(s) of all services (budget ${budgetMax}) and ${r.service} of ${input.service} (budget ${budgetPerServiceMax}) reserved in the last ${budgetWindowSeconds}s`;
      const reason = r.granted ? `reserved: ${counts} before this one` : `budget spent: ${counts}`;
      log.info(r.granted ? 'heal budget reserved' : 'heal budget refused', { service: input.service, reason });
      return { granted: r.granted, reason };
    },

    async releaseHealBudget(input: { attemptId: string }): Promise<void> {
      await deps.budget.release(input.attemptId);
      log.info('heal budget given back: the heal changed nothing', { attemptId: input.attemptId });
    },
  };
}
