// watchWorkflow: the autopilot's watch of one service. Every interval one local activity samples the service (the
// Docker engine's view of its managed containers, analysed by the same detector and store as /analyze), folds the
// sample into the service's incident and decides under the autonomy policy; the workflow only carries the state and
// starts the heal a decision asks for, as a child workflow `heal-<service>`, so the heal's whole safety envelope
// applies and the Web UI links the watch to its heals. After `samplesPerRun` samples, and never while a heal it
// started runs, it continues as new with its state. The notices the activities derive (an incident opened, a heal
// waiting for approval, failed or rolled back, an incident escalated) go out one after another through the `notify`
// activity, beside the sampling, which never waits for a webhook. docs/autopilot.md.
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { condition, continueAsNew, ChildWorkflowFailure, log, ParentClosePolicy, patched, proxyActivities, proxyLocalActivities, setHandler, sleep, startChild, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { HealEvent } from '../activities/autopilot';
import type { HealStatus } from '../src/domain/heal';
import type { IncidentHeal, Notice, WatchInput, WatchState, WatchStatus, WatchTickResult } from '../src/domain/autopilot';
import { notification, watchSample } from './activity-options';
import { containerEventSignal, healWorkflowId, searchAttributes, watchStatusQuery } from './definitions';
import type { healWorkflow } from './heal';

const { watchTick, settleHeal } = proxyLocalActivities<Activities>(watchSample);
const { notify } = proxyActivities<Activities>(notification);

/** The patch that added the notify activity: histories recorded before it never schedule one. */
const WATCH_WEBHOOKS = 'watch-webhooks';
/** The patch that lets a container event cut the wait between two samples short (a timer then cancelled). */
const WATCH_WAKE_ON_EVENTS = 'watch-wake-on-events';

interface HealInFlight extends IncidentHeal {
  /** Set when the heal has ended. */
  outcome: string | null;
}

export async function watchWorkflow(input: WatchInput): Promise<WatchStatus> {
  const { workflowId, runId } = workflowInfo();
  const { service } = input;
  let state: WatchState = input.state ?? { memory: { incident: null, troubledStreak: 0 }, cpu: {}, sight: null };
  const status: WatchStatus = {
    service,
    phase: 'starting',
    blind_reason: state.sight?.reason ?? null,
    blind_since: state.sight?.blind ? state.sight.since : null,
    last_sample_at: null,
    samples: 0,
    containers: [],
    anomalies: [],
    incident: state.memory.incident,
    heal_in_flight: null,
  };
  setHandler(watchStatusQuery, () => status);
  // Docker said something is wrong (src/main/autopilot.ts follows its events): sample now, not at the next interval.
  let woken = false;
  setHandler(containerEventSignal, () => {
    woken = true;
  });
  let heal: HealInFlight | null = null;
  // Notices go out in order, one at a time. Like a heal, notices still being sent keep the run sampling past
  // samplesPerRun: a continue-as-new would drop them, and waiting for them would stop the sampling.
  let announcing: Promise<void> = Promise.resolve();
  let unsent = 0;

  for (let n = 1; n <= input.samplesPerRun || heal !== null || unsent > 0; n++) {
    if (heal?.outcome) {
      await settle({ kind: 'finished', attemptId: heal.attemptId, outcome: heal.outcome });
      heal = null;
    }
    const tick = await watchTick({ service, tickId: `${workflowId}:${runId}:${n}`, runId, state });
    if (!tick.watched) {
      status.phase = 'stopped';
      await announcing;
      return status;
    }
    state = tick.state;
    announce(tick.notices);
    if (tick.heal && heal === null) heal = await startHeal(tick.heal);
    show(status, tick, state, heal);
    if (patched(WATCH_WAKE_ON_EVENTS)) {
      // An event during this sample counts too: it may have come after the engine was read.
      await condition(() => woken, input.intervalSeconds * 1000);
      woken = false;
    } else {
      await sleep(input.intervalSeconds * 1000);
    }
  }
  return continueAsNew<typeof watchWorkflow>({ ...input, state });

  async function settle(event: HealEvent): Promise<void> {
    const { notices, ...next } = await settleHeal({ service, state, event });
    state = next;
    announce(notices);
  }

  function announce(notices: Notice[] | undefined): void {
    if (!notices?.length || !patched(WATCH_WEBHOOKS)) return;
    for (const notice of notices) {
      unsent++;
      announcing = announcing.then(() =>
        notify(notice).then(
          () => void unsent--,
          // Given up after its bounded retries: the failure is in the history; the watch goes on.
          (err: unknown) => {
            unsent--;
            log.warn('webhook notice not delivered', { notice: notice.id, type: notice.type, error: (err as Error).message });
          },
        ),
      );
    }
  }

  /** Starts the decided heal; a heal of the service already running (the lock) leaves the decision for the next sample. */
  async function startHeal(wanted: NonNullable<WatchTickResult['heal']>): Promise<HealInFlight | null> {
    const { decision, input: healInput } = wanted;
    try {
      const handle = await startChild<typeof healWorkflow>('healWorkflow', {
        workflowId: healWorkflowId(service),
        args: [healInput],
        // The heal outlives the watch's run: a continue-as-new or a terminated watch never cuts a heal short.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        typedSearchAttributes: [
          { key: searchAttributes.service, value: service },
          { key: searchAttributes.issueType, value: healInput.diagnosis.issue_type },
          { key: searchAttributes.dryRun, value: false },
        ],
      });
      const started: HealInFlight = { workflowId: handle.workflowId, attemptId: handle.firstExecutionRunId, strategy: decision.strategy ?? '', outcome: null };
      void handle.result().then(
        (s) => (started.outcome = s.outcome ?? 'completed'),
        (err: unknown) => (started.outcome = failedOutcome(err)),
      );
      await settle({ kind: 'started', decision, heal: { workflowId: started.workflowId, attemptId: started.attemptId, strategy: started.strategy } });
      return started;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      await settle({ kind: 'not_started', decision, reason: `${healWorkflowId(service)} is already running (one heal per service)` });
      return null;
    }
  }
}

function show(status: WatchStatus, tick: WatchTickResult, state: WatchState, heal: HealInFlight | null): void {
  status.samples++;
  status.last_sample_at = tick.at;
  status.phase = state.sight?.blind ? 'blind' : 'watching';
  status.blind_reason = state.sight?.blind ? state.sight.reason : null;
  status.blind_since = state.sight?.blind ? state.sight.since : null;
  status.containers = tick.containers;
  status.anomalies = tick.anomalies;
  status.incident = state.memory.incident;
  status.heal_in_flight = heal?.workflowId ?? null;
}

/** A heal that rolled back or failed carries its final status in its failure's details. */
function failedOutcome(err: unknown): string {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : undefined;
  const final = cause instanceof ApplicationFailure ? (cause.details?.[0] as HealStatus | undefined) : undefined;
  return final?.outcome ?? 'failed';
}
