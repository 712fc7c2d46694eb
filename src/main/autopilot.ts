// The autopilot for a worker: its policy file, validated at start (a bad file stops the worker naming the field) and
// seeding the policy in Neo4j, which the API may edit; the policy in force, re-read from Neo4j at most once a
// second, so running watches follow an edit without a restart; and one watch workflow per service the policy names,
// started by every worker and by the API after an edit (USE_EXISTING: a running watch is left as it is, so any
// number of them may start together or restart). Each worker also follows its own engine's events and wakes the
// watch of a service whose container turns unhealthy, dies or is OOM-killed.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { PolicyStore, StoredPolicy } from '../adapters/ports';
import { followContainerEvents, isTroubleEvent } from '../adapters/docker/events';
import type { Config } from '../config';
import { parseAutopilotPolicy, PolicyFileError, scrapeTargetOutsideAllowlist, watchedServices, type AutopilotPolicy } from '../domain/autopilot';
import { strategyNames } from '../domain/strategies';
import type { watchWorkflow } from '../../workflows/watch';
import { containerEventSignal, searchAttributes, watchWorkflowId } from '../../workflows/definitions';

/** A policy document's version: the first 16 hex digits of its SHA-256 (what a decision names). */
export function policyVersion(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * Parses and validates a policy document (the file's or an API body); throws PolicyFileError naming the field. With
 * `scrapeAllowlist` (a document being accepted, not one already stored), every Prometheus target must be under it.
 */
export function policyFromText(text: string, source: string, scrapeAllowlist?: readonly string[]): AutopilotPolicy {
  const policy = parseAutopilotPolicy(text, { path: source, version: policyVersion(text) }, strategyNames());
  const outside = scrapeAllowlist && scrapeTargetOutsideAllowlist(policy, scrapeAllowlist);
  if (outside) throw new PolicyFileError(source, outside.field, outside.reason);
  return policy;
}

/** null when AUTOPILOT_POLICY_FILE is not set: the autopilot is off. */
export function loadAutopilotPolicy(config: Config): (AutopilotPolicy & { text: string }) | null {
  const path = config.autopilot.policyFile;
  if (!path) return null;
  const text = readFileSync(path, 'utf8');
  return { ...policyFromText(text, path, config.heal.verifyHttpAllowlist), text };
}

/**
 * The policy in force, from Neo4j, re-read at most every `refreshMs` by whoever asks (the watch's samples), so an
 * edit through the API reaches every running watch within a second and a sample; the watches of services it
 * removed end at their next sample. A read that fails keeps the last policy read (a blip of Neo4j never stops the
 * autopilot); a stored document this release cannot parse (a strategy removed since) keeps it too, logged.
 */
export class LivePolicy {
  private policy: AutopilotPolicy;
  private readAt = 0;
  private reading: Promise<AutopilotPolicy> | null = null;

  constructor(
    private readonly store: PolicyStore,
    seeded: StoredPolicy,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly refreshMs = 1000,
  ) {
    this.policy = policyFromText(seeded.text, seeded.source);
    this.readAt = now();
  }

  /** The last policy read, without reading (the events stream's filter). */
  get latest(): AutopilotPolicy {
    return this.policy;
  }

  /** `fresh`: read now, whatever the period (a watch about to end checks that its service is really gone). */
  async current(options: { fresh?: boolean } = {}): Promise<AutopilotPolicy> {
    if (!options.fresh && this.now() - this.readAt < this.refreshMs) return this.policy;
    this.reading ??= this.refresh().finally(() => (this.reading = null));
    return this.reading;
  }

  private async refresh(): Promise<AutopilotPolicy> {
    try {
      const stored = await this.store.current();
      this.readAt = this.now();
      if (stored && stored.version !== this.policy.version) {
        this.policy = policyFromText(stored.text, stored.source);
        this.logger.info({ version: stored.version, source: stored.source, by: stored.updatedBy }, 'autopilot policy changed');
      }
    } catch (err) {
      this.logger.warn({ err }, 'autopilot policy not re-read; the last one read stays in force');
    }
    return this.policy;
  }
}

/** Starts the watch of every service the policy names that has none running; returns their workflow ids. */
export async function ensureWatches(client: Client, config: Config, policy: AutopilotPolicy): Promise<string[]> {
  const ids: string[] = [];
  for (const service of watchedServices(policy)) {
    const handle = await client.workflow.start<typeof watchWorkflow>('watchWorkflow', {
      taskQueue: config.temporal.taskQueue,
      workflowId: watchWorkflowId(service),
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      args: [{ service, intervalSeconds: config.autopilot.intervalSeconds, samplesPerRun: config.autopilot.samplesPerRun }],
      typedSearchAttributes: [{ key: searchAttributes.service, value: service }],
    });
    ids.push(handle.workflowId);
  }
  return ids;
}

/**
 * Signals `watch-<service>` when this host's engine reports trouble with one of the service's containers, so the
 * watch samples at once instead of at its next interval (the sample still decides: an event is only a wake-up).
 */
export function wakeWatchesOnEvents(client: Client, config: Config, policy: () => AutopilotPolicy, logger: Logger): { close(): void } {
  const { socketPath, ownerLabel } = config.docker;
  return followContainerEvents(
    { socketPath, ...(ownerLabel ? { owner: { label: ownerLabel, value: config.worker.hostId } } : {}) },
    (event) => {
      if (!Object.hasOwn(policy().services, event.service) || !isTroubleEvent(event.action)) return;
      client.workflow
        .getHandle(watchWorkflowId(event.service))
        .signal(containerEventSignal, { container: event.container, action: event.action, at: event.at })
        .catch((err: unknown) => logger.warn({ err, service: event.service }, 'watch not woken; it samples at its interval'));
    },
    (err) => logger.warn({ err }, 'docker events lost; watches sample at their interval until they are back'),
  );
}
