// The autopilot's activities: one sample of a watched service (read the engine, analyse, fold into the incident,
// decide), and the start and end of a heal it started. Each observes through the ports, decides with the pure
// domain (src/domain/autopilot) and records what changed in one write; the watch workflow carries the state.
import { ApplicationFailure } from '@temporalio/common';
import { containerRefusal } from '../src/domain/inventory';
import { PUSH_BATCH_MAX_SAMPLES, PUSH_KEEP_TAKEN_MS, newestPerSeries, pushSight } from '../src/domain/autopilot/pushed';
import type { PushMemory } from '../src/domain/autopilot/pushed';
import { decide, decided, decisionNotices, genericPayload, healFinished, healInputFor, healNotices, healStarted, isActive, nextSight, observe, scrapeSeries, signalsOf, slackPayload, tickNotices, watchedServices, withMetricRecheck } from '../src/domain/autopilot';
import type { AutopilotPolicy, Decision, IncidentChange, IncidentHeal, Notice, ScrapeMemory, ScrapeTarget, SettledHeal, WatchState, WatchTick, WatchTickResult } from '../src/domain/autopilot';
import { urlAllowed } from '../src/domain/verifiers';
import { scrapeTarget } from '../src/adapters/prometheus-scrape';
import { postSignedWebhook } from '../src/adapters/webhook';
import { webhookOrigin } from '../src/config';
import type { ContainerSample } from '../src/domain/observations';
import type { AnalyzeResult } from '../src/domain/heal';
import type { WatchRecord } from '../src/adapters/ports';
import { recordedAnalysis } from './analysis';
import type { ActivityDeps } from './deps';

/**
 * In suggest, the heal offered to a person: the body of a `POST /heal` that applies the decided strategy to the
 * containers observed now, as the watch would have (docs/autopilot.md, "suggest"). Stored with the decision (JSON).
 */
function suggestedHeal(decision: Decision, analysis: AnalyzeResult, context: NonNullable<ReturnType<typeof healInputFor>['context']>): string {
  const input = healInputFor(decision, analysis.diagnosis, context);
  return JSON.stringify({
    service: input.service,
    issue: { diagnosis: input.diagnosis },
    context: { services: input.context.services, containers: input.context.containers },
    ...(input.strategy ? { strategy: input.strategy } : {}),
    dry_run: false,
    skip_if_healthy: true,
  });
}

/** What happened to a heal the watch asked for, as the workflow reports it. */
export type HealEvent =
  | { kind: 'started'; decision: Decision; heal: IncidentHeal }
  | { kind: 'not_started'; decision: Decision; reason: string }
  | { kind: 'finished'; attemptId: string; outcome: string };

export function createAutopilotActivities(deps: ActivityDeps) {
  const analyze = recordedAnalysis(deps);
  const settings = {
    openAfterSamples: deps.config.autopilot.openAfterSamples,
    resolveAfterCleanSamples: deps.config.autopilot.resolveAfterCleanSamples,
    maxAttempts: deps.config.autopilot.maxAttempts,
  };

  /**
   * The service's managed containers, sampled; a reason instead when the engine cannot be read, or shows none of a
   * service that has no other source (a service with Prometheus targets may run anywhere).
   */
  async function readEngine(service: string, otherSources: boolean): Promise<{ samples: ContainerSample[] } | { blind: string }> {
    try {
      const managed = (await deps.containers.list({ service })).filter((c) => containerRefusal(c, service, deps.config.heal) === null);
      const samples = (await Promise.all(managed.map((c) => deps.containers.sample(c.id)))).filter((s): s is ContainerSample => s !== null);
      if (samples.length === 0 && !otherSources) return { blind: `docker: no managed container of ${service} (selfheal.service=${service})` };
      return { samples };
    } catch (err) {
      return { blind: `docker: ${(err as Error).message}` };
    }
  }

  /**
   * Every Prometheus target of the service, read at once; the first that cannot be read (outside the allowlist,
   * refused, timed out, not 2xx, too large, unparsable) is the reason the service is blind.
   */
  async function readTargets(targets: readonly ScrapeTarget[], at: number, before: WatchState['scrape']): Promise<{ metrics: Record<string, number>; memory: Record<string, ScrapeMemory> } | { blind: string } | { none: true }> {
    if (targets.length === 0) return { none: true };
    const limits = { timeoutMs: deps.config.autopilot.scrapeTimeoutMs, maxBytes: deps.config.autopilot.scrapeMaxBytes };
    const answers = await Promise.all(
      targets.map((t) => (urlAllowed(t.url, deps.config.heal.verifyHttpAllowlist) ? scrapeTarget(t.url, limits) : { ok: false as const, error: 'not under a VERIFY_HTTP_ALLOWLIST prefix' })),
    );
    const metrics: Record<string, number> = {};
    const memory: Record<string, ScrapeMemory> = {};
    for (const [i, answer] of answers.entries()) {
      const target = targets[i]!;
      if (!answer.ok) return { blind: `scrape ${target.url}: ${answer.error}` };
      const series = scrapeSeries(answer.exposition, at, before?.[target.url], target.metrics);
      Object.assign(metrics, series.metrics);
      memory[target.url] = series.memory;
    }
    return { metrics, memory };
  }

  /**
   * The policy in force. A service the last read does not name is checked against a fresh read before its watch
   * ends: the watch of a service added a moment ago may sample before the cached read has caught up.
   */
  async function policyInForce(service: string): Promise<AutopilotPolicy | null> {
    if (!deps.autopilotPolicies) return deps.autopilotPolicy;
    const cached = await deps.autopilotPolicies.current();
    return Object.hasOwn(cached.services, service) ? cached : deps.autopilotPolicies.current({ fresh: true });
  }

  /**
   * The samples clients pushed since the last sample, taken by this tick (the same ones on a retry), as the newest
   * value of each series; blind once nothing has been pushed for PUSH_STALE_INTERVALS intervals.
   */
  async function readPushed(service: string, tickId: string, at: number, before: PushMemory | undefined): Promise<{ metrics: Record<string, number>; memory: PushMemory; blind: string | null }> {
    const taken = await deps.pushedMetrics.takePending({ service, tickId, limit: PUSH_BATCH_MAX_SAMPLES, at, forgetBefore: at - PUSH_KEEP_TAKEN_MS });
    return { metrics: newestPerSeries(taken), ...pushSight(before, taken.length, at, deps.config.autopilot.intervalSeconds) };
  }

  return {
    /**
     * One sample: a blind sample (the engine unreadable, no container, the metrics refused) records the blindness
     * and changes nothing else. Otherwise the series are analysed (exactly once per tick id), the troubles folded
     * into the incident, and an incident that needs a decision gets one: recorded, and for approve and auto
     * returned as the heal to start.
     */
    async watchTick(tick: WatchTick): Promise<WatchTickResult> {
      const { service, tickId, state } = tick;
      const policy = await policyInForce(service);
      if (!policy || !watchedServices(policy).includes(service)) return { watched: false, at: deps.now(), state, containers: [], anomalies: [], heal: null };
      const at = deps.now();
      const targets = policy.services[service]?.scrape ?? [];
      const push = policy.services[service]?.push === true;
      const [read, scraped, pushed] = await Promise.all([
        readEngine(service, targets.length > 0 || push),
        readTargets(targets, at, state.scrape),
        push ? readPushed(service, tickId, at, state.push) : null,
      ]);
      let blind = 'blind' in read ? read.blind : 'blind' in scraped ? scraped.blind : (pushed?.blind ?? null);
      let analysis: AnalyzeResult | null = null;
      const engineSignals = 'samples' in read ? signalsOf(read.samples, state.cpu) : null;
      const scrapedSignals = engineSignals && 'metrics' in scraped ? { ...engineSignals, metrics: { ...engineSignals.metrics, ...scraped.metrics } } : engineSignals;
      const signals = scrapedSignals && pushed ? { ...scrapedSignals, metrics: { ...scrapedSignals.metrics, ...pushed.metrics } } : scrapedSignals;
      // What the diagnosis rules see, and what a heal may touch: the service's managed containers as observed now.
      const context = signals && { services: [service], containers: signals.containerStates.map((c) => c.name ?? c.id), container_states: signals.containerStates };
      // A first scrape of counters only has no value yet: nothing to analyse is a clean sample, not a refused one.
      if (!blind && signals && context && Object.keys(signals.metrics).length > 0) {
        try {
          analysis = await analyze({
            service,
            metrics: signals.metrics,
            at,
            context,
            actor: 'autopilot',
            requestId: tickId,
            workflowId: tickId,
            runId: tick.runId,
          });
        } catch (err) {
          if (!(err instanceof ApplicationFailure && err.type === 'ValidationError')) throw err;
          blind = `metrics refused: ${err.message}`;
        }
      }
      const { sight, changed: sightChanged } = nextSight(state.sight, blind, at);
      const troubles = blind || !signals ? [] : [...signals.troubles, ...(analysis?.anomalies ?? []).map((a) => `metric:${a.metric}`)];
      // A service seen only through pushes learns nothing between two pushes: no news is not a clean sample.
      const news = !pushed || analysis !== null || troubles.length > 0 || targets.length > 0 || ('samples' in read && read.samples.length > 0);
      const observed = observe(state.memory, { at, troubles, blind: blind !== null || !news }, settings, `incident:${tickId}`, service);
      let memory = observed.memory;
      const changes: IncidentChange[] = [...observed.changes];
      let decision: Decision | null = null;
      let heal: WatchTickResult['heal'] = null;
      const incident = memory.incident;
      if (analysis && context && isActive(incident) && incident.status === 'open' && incident.needsDecision && incident.inFlight === null) {
        decision = decide(incident, analysis.diagnosis, policy, at);
        if (decision.action === 'record') {
          memory = { ...memory, incident: decided(incident, at) };
          changes.push('decided');
        } else {
          // A flagged metric is verified back within its baseline over as many samples as resolve the incident.
          heal = { decision, input: withMetricRecheck(healInputFor(decision, analysis.diagnosis, context), incident, settings.resolveAfterCleanSamples) };
        }
      }
      const record: WatchRecord = {
        service,
        at,
        sight: sightChanged ? { ...sight, key: `${tickId}:sight` } : null,
        incident: changes.length > 0 && memory.incident ? { incident: memory.incident, changes } : null,
        snapshotId: analysis ? tickId : null,
        // A decision that starts a heal is recorded once the workflow says whether the heal started.
        decision: decision && decision.action === 'record' ? { ...decision, result: 'recorded', ...(decision.level === 'suggest' && analysis && context ? { offer: suggestedHeal(decision, analysis, context) } : {}) } : null,
        heal: null,
      };
      if (record.sight || record.incident || record.decision) await deps.autopilotStore.recordWatch(record);
      return {
        watched: true,
        at,
        state: { memory, cpu: signals?.cpu ?? state.cpu, sight, ...('memory' in scraped ? { scrape: scraped.memory } : state.scrape ? { scrape: state.scrape } : {}), ...(pushed ? { push: pushed.memory } : {}) },
        containers: signals?.containerStates.map((c) => ({ name: c.name ?? c.id, state: c.state, health: c.health ?? 'none' })) ?? [],
        anomalies: analysis?.anomalies.map((a) => a.metric) ?? [],
        heal,
        notices: [...tickNotices(memory.incident, changes, at), ...(decision && memory.incident ? decisionNotices(memory.incident, decision, at) : [])],
      };
    },

    /** Folds a heal's start, failed start or end into the incident and records it with its decision. */
    async settleHeal(input: { service: string; state: WatchState; event: HealEvent }): Promise<SettledHeal> {
      const { service, state, event } = input;
      const incident = state.memory.incident;
      if (!incident) return { ...state, notices: [] };
      let notices: Notice[] = [];
      const at = deps.now();
      let next = incident;
      const record: WatchRecord = { service, at, sight: null, incident: null, snapshotId: null, decision: null, heal: null };
      if (event.kind === 'started') {
        next = healStarted(incident, event.heal, at);
        record.incident = { incident: next, changes: ['heal_started'] };
        record.decision = { ...event.decision, result: `started ${event.heal.workflowId}` };
        record.heal = { attemptId: event.heal.attemptId, workflowId: event.heal.workflowId };
        notices = healNotices(next, event, at);
      } else if (event.kind === 'not_started') {
        // Still needs a decision: the next sample decides again, under the same decision id.
        record.incident = { incident, changes: [] };
        record.decision = { ...event.decision, result: `not started: ${event.reason}` };
      } else {
        next = healFinished(incident, event.outcome, at, settings);
        record.incident = { incident: next, changes: next.status === 'escalated' ? ['heal_finished', 'escalated'] : ['heal_finished'] };
        const heal = incident.inFlight ?? { workflowId: `heal-${service}`, attemptId: event.attemptId, strategy: 'unknown' };
        notices = healNotices(next, { kind: 'finished', heal, outcome: event.outcome }, at);
      }
      await deps.autopilotStore.recordWatch(record);
      return { ...state, memory: { ...state.memory, incident: next }, notices };
    },

    /**
     * Sends one notice to every configured webhook, signed (docs/autopilot.md, "Webhooks"). Any target that did not
     * take it fails the activity, and Temporal's bounded retries send it again (to every target: receivers drop
     * duplicates by the notice's id); a target that refuses it (a 4xx other than 408 and 429) is not retried.
     */
    async notify(notice: Notice): Promise<{ delivered: number }> {
      const { targets, secret, timeoutMs } = deps.config.webhooks;
      if (targets.length === 0 || secret === undefined) return { delivered: 0 };
      const ui = { url: deps.config.temporal.uiUrl, namespace: deps.config.temporal.namespace };
      const answers = await Promise.all(
        targets.map(async (target, i) => {
          const body = JSON.stringify(target.kind === 'slack' ? slackPayload(notice, ui) : genericPayload(notice, ui));
          const answer = await postSignedWebhook({ url: target.url, body, secret, deliveryId: notice.id, nowSeconds: Math.floor(deps.now() / 1000), timeoutMs });
          return { name: `webhook ${i + 1} (${target.kind}, ${webhookOrigin(target.url)})`, answer };
        }),
      );
      const failed = answers.filter(({ answer }) => answer.status < 200 || answer.status > 299);
      if (failed.length === 0) return { delivered: targets.length };
      const retryable = failed.some(({ answer: { status } }) => status === 0 || status === 408 || status === 429 || status >= 500);
      throw ApplicationFailure.create({
        type: 'WebhookFailed',
        message: `${notice.type} ${notice.id} not delivered: ${failed.map(({ name, answer }) => `${name}: ${answer.error ?? `HTTP ${answer.status}`}`).join('; ')}`,
        nonRetryable: !retryable,
      });
    },
  };
}
