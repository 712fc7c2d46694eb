// planHeal: observe the targets and the history, select a strategy (Thompson sampling over learned posteriors),
// and build the plan with its safety checks. Runs as an activity so the choice is recorded in workflow history.
import { log } from '@temporalio/activity';
import type { ContainerInfo } from '../src/adapters/ports';
import type { HealInput, HealPlan } from '../src/domain/heal';
import { mergeHostObservations, type HostObservation, type HostsObserved } from '../src/domain/hosts';
import { buildHealPlan, type PlanObservations } from '../src/domain/planning';
import { sampleStrategy, startSelection, type Selected } from '../src/domain/selection';
import { checkPreconditions, listStrategies } from '../src/domain/strategies';
import type { HealContext } from '../src/domain/types';
import type { ActivityDeps } from './deps';

/** What planning is asked of a heal (the hosts' observations come apart: planHealHere makes its own). */
export interface PlanHealInput {
  heal: HealInput;
  attemptId: string;
  workflowId: string;
  runId: string;
}

export function createPlanningActivities(deps: ActivityDeps) {
  /** This worker's engine's view of a heal's containers. */
  async function observeContainers(refs: string[], service: string): Promise<Omit<HostObservation, 'host'>> {
    const [containers, serviceContainers] = await Promise.all([
      Promise.all(refs.map(async (ref) => ({ ref, info: await deps.containers.inspect(ref) }))),
      deps.containers.list({ service }),
    ]);
    return { containers, serviceContainers };
  }

  /**
   * `attemptId` is left out of the history: a reset heal re-plans and must not be refused by its own first run.
   * `hosts`: what every host's worker found of the containers; without it (a heal started before per-host routing)
   * this worker's own engine is asked.
   */
  async function observe(heal: HealInput, attemptId: string, hosts: HostsObserved | undefined): Promise<PlanObservations> {
    const now = deps.now();
    const { heal: policy } = deps.config;
    const longestCooldown = Math.max(...listStrategies().map((s) => s.cooldown_seconds));
    const refs = heal.context.containers ?? [];
    const [docker, queues, recentHeals, appliedInWindow] = await Promise.all([
      hosts ? mergeHostObservations(refs, hosts) : observeContainers(refs, heal.service),
      Promise.all((heal.context.queues ?? []).map(async (name) => ({ name, info: await deps.queues.getQueue(name) }))),
      deps.auditStore.appliedHeals(heal.service, now - Math.max(policy.budgetWindowSeconds, longestCooldown, 7 * 24 * 3600) * 1000),
      deps.auditStore.countAppliedHeals(now - policy.budgetWindowSeconds * 1000),
    ]);
    const own = recentHeals.find((h) => h.attemptId === attemptId);
    const ownInWindow = own !== undefined && own.at >= now - policy.budgetWindowSeconds * 1000 ? 1 : 0;
    return {
      containers: docker.containers,
      serviceContainers: docker.serviceContainers,
      ...('lookup' in docker ? { hosts: docker.lookup } : {}),
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

  /** The selection policy is the domain's (src/domain/selection.ts); this only fetches the outcomes it samples. */
  async function select(heal: HealInput, context: HealContext): Promise<Selected> {
    const start = startSelection(heal, context);
    if ('decided' in start) return start.decided;
    const outcomes = await deps.learningStore.outcomes(heal.diagnosis.issue_type);
    return sampleStrategy({ issueType: heal.diagnosis.issue_type, candidates: start.candidates, outcomes, now: deps.now(), random: deps.random });
  }

  async function observeOwn(containers: string[], service: string): Promise<{ hosts: string[]; own: HostObservation | null }> {
    const { dockerHosts: hosts, hostId } = deps.config.worker;
    return { hosts, own: hosts.includes(hostId) ? { host: hostId, ...(await observeContainers(containers, service)) } : null };
  }

  async function planHeal(input: PlanHealInput & { hosts?: HostsObserved }): Promise<HealPlan> {
    const { heal } = input;
    const observed = await observe(heal, input.attemptId, input.hosts);
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
    log.info(plan.allowed ? 'heal planned' : 'heal plan refused', {
      service: heal.service,
      dryRun: heal.dryRun,
      strategy: plan.strategy,
      selection: plan.selection.method,
      steps: plan.steps.map((s) => ({ action: s.action, target: s.target.name ?? s.target.id, ...(s.target.host ? { host: s.target.host } : {}) })),
      failedChecks: plan.safety_checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`),
      requiresApproval: plan.requires_approval,
    });
    // A refused plan was never chosen: only heals that may go ahead count as the learner's choices.
    if (plan.strategy && plan.allowed && !heal.dryRun) {
      await deps.learningStore.recordChoice({ attemptId: input.attemptId, issueType: heal.diagnosis.issue_type, strategy: plan.strategy, at: deps.now() });
    }
    return plan;
  }

  return {
    /** The hosts whose workers planning asks (WORKER_DOCKER_HOSTS), as a local activity: the list is in the history. */
    async dockerHosts(): Promise<{ hosts: string[] }> {
      return { hosts: deps.config.worker.dockerHosts };
    },

    /**
     * The hosts planning asks, with this worker's own host already observed when it is one of them: the worker that
     * runs the heal's workflow task answers for its own engine in that task, so a heal on one host asks no other queue.
     */
    async observeOwnDockerHost(input: { containers: string[]; service: string }): Promise<{ hosts: string[]; own: HostObservation | null }> {
      return observeOwn(input.containers, input.service);
    },

    /** Runs on one host's task queue: what that host's engine has of the heal's containers. */
    async observeDockerHost(input: { containers: string[]; service: string }): Promise<HostObservation> {
      return { host: deps.config.worker.hostId, ...(await observeContainers(input.containers, input.service)) };
    },

    planHeal,

    /**
     * observeOwnDockerHost and planHeal in one local activity: when this worker's host is the only one planning asks
     * (or none is), the plan is made from its own observation; otherwise the observation comes back, for the workflow
     * to ask the other hosts' queues before planning. A heal on one host plans with one activity, not two.
     */
    async planHealHere(input: PlanHealInput): Promise<{ plan: HealPlan } | { plan: null; hosts: string[]; own: HostObservation | null }> {
      const { hosts, own } = await observeOwn(input.heal.context.containers ?? [], input.heal.service);
      if (hosts.some((h) => h !== own?.host)) return { plan: null, hosts, own };
      return { plan: await planHeal({ ...input, hosts: { observed: own ? [own] : [], unreachable: [] } }) };
    },
  };
}

function toObservation(ref: string, info: ContainerInfo) {
  return { id: ref, name: info.name, state: info.state, health: info.health, restart_count: info.restartCount, ...(info.service ? { service: info.service } : {}) };
}
