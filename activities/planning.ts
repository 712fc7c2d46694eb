// planHeal: observe the targets and the history, select a strategy (Thompson sampling over learned posteriors),
// and build the plan with its safety checks. Runs as an activity so the choice is recorded in workflow history.
import type { ContainerInfo } from '../src/adapters/ports';
import type { HealInput, HealPlan, StrategySelection } from '../src/domain/heal';
import { selectStrategy } from '../src/domain/learning';
import { buildHealPlan, type PlanObservations } from '../src/domain/planning';
import { checkPreconditions, getStrategy, listStrategies } from '../src/domain/strategies';
import type { HealContext, RiskLevel, Strategy } from '../src/domain/types';
import type { ActivityDeps } from './deps';

export function createPlanningActivities(deps: ActivityDeps) {
  /** `attemptId` is left out of the history: a reset heal re-plans and must not be refused by its own first run. */
  async function observe(heal: HealInput, attemptId: string): Promise<PlanObservations> {
    const now = deps.now();
    const { heal: policy } = deps.config;
    const longestCooldown = Math.max(...listStrategies().map((s) => s.cooldown_seconds));
    const [containers, serviceContainers, queues, recentHeals, appliedInWindow] = await Promise.all([
      Promise.all((heal.context.containers ?? []).map(async (ref) => ({ ref, info: await deps.containers.inspect(ref) }))),
      deps.containers.list({ service: heal.service }),
      Promise.all((heal.context.queues ?? []).map(async (name) => ({ name, info: await deps.queues.getQueue(name) }))),
      deps.auditStore.appliedHeals(heal.service, now - Math.max(policy.budgetWindowSeconds, longestCooldown, 7 * 24 * 3600) * 1000),
      deps.auditStore.countAppliedHeals(now - policy.budgetWindowSeconds * 1000),
    ]);
    const own = recentHeals.find((h) => h.attemptId === attemptId);
    const ownInWindow = own !== undefined && own.at >= now - policy.budgetWindowSeconds * 1000 ? 1 : 0;
    return {
      containers,
      serviceContainers,
      queues,
      recentHeals: recentHeals.filter((h) => h.attemptId !== attemptId),
      appliedInWindow: appliedInWindow - ownInWindow,
    };
  }

  /** The context with what Docker says of the allowed containers, so preconditions judge real states. */
  function observedContext(context: HealContext, containers: PlanObservations['containers']): HealContext {
    const states = containers.flatMap(({ ref, info }) => (info ? [toObservation(ref, info)] : []));
    return { ...context, container_states: [...(context.container_states ?? []), ...states] };
  }

  async function select(heal: HealInput, context: HealContext): Promise<{ strategy: Strategy | null; selection: StrategySelection }> {
    if (heal.strategy) {
      return {
        strategy: getStrategy(heal.strategy) ?? null,
        selection: { method: 'explicit', reason: `requested by ${heal.actor}`, candidates: [heal.strategy] },
      };
    }
    const recommended = heal.diagnosis.recommended_strategies.filter((n) => getStrategy(n));
    const allowed = recommended.filter((n) => checkPreconditions(getStrategy(n)!, context).every((c) => c.passed));
    if (allowed.length === 0) {
      const reason = recommended.length
        ? `no recommended strategy has its preconditions met (${recommended.join(', ')})`
        : 'the diagnosis recommends no known strategy';
      return { strategy: null, selection: { method: 'none', reason, candidates: recommended } };
    }
    const risks: Record<string, RiskLevel> = Object.fromEntries(allowed.map((n) => [n, getStrategy(n)!.risk]));
    const outcomes = await deps.learningStore.outcomes(heal.diagnosis.issue_type);
    const choice = selectStrategy({ issueType: heal.diagnosis.issue_type, candidates: allowed, outcomes, risks, now: deps.now(), random: deps.random });
    return {
      strategy: getStrategy(choice.strategy)!,
      selection: {
        method: 'thompson',
        reason: choice.reason,
        candidates: allowed,
        samples: choice.samples.map((s) => ({ strategy: s.strategy, sample: s.sample, posteriorMean: s.posteriorMean })),
      },
    };
  }

  return {
    async planHeal(input: { heal: HealInput; attemptId: string; workflowId: string; runId: string }): Promise<HealPlan> {
      const { heal } = input;
      const observed = await observe(heal, input.attemptId);
      const context = observedContext(heal.context, observed.containers);
      const { strategy, selection } = await select(heal, context);
      const { heal: policy } = deps.config;
      const plan = buildHealPlan({
        heal,
        attemptId: input.attemptId,
        workflowId: input.workflowId,
        strategy,
        selection,
        preconditionChecks: strategy ? checkPreconditions(strategy, context).map((c) => ({ ...c, name: `precondition ${c.name}` })) : [],
        observed,
        policy,
        now: deps.now(),
      });
      // A refused plan was never chosen: only heals that may go ahead count as the learner's choices.
      if (plan.strategy && plan.allowed && !heal.dryRun) {
        await deps.learningStore.recordChoice({ attemptId: input.attemptId, issueType: heal.diagnosis.issue_type, strategy: plan.strategy, at: deps.now() });
      }
      return plan;
    },
  };
}

function toObservation(ref: string, info: ContainerInfo) {
  return { id: ref, name: info.name, state: info.state, health: info.health, restart_count: info.restartCount, ...(info.service ? { service: info.service } : {}) };
}
