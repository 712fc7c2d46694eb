// The autopilot for a worker: its policy file, validated at start (a bad file stops the worker naming the field), and
// one watch workflow per service the policy names, started by every worker (USE_EXISTING: a running watch is left
// as it is, so any number of workers may start together or restart). Each worker also follows its own engine's
// events and wakes the watch of a service whose container turns unhealthy, dies or is OOM-killed.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { followContainerEvents, isTroubleEvent } from '../adapters/docker/events';
import type { Config } from '../config';
import { parseAutopilotPolicy, PolicyFileError, scrapeTargetOutsideAllowlist, watchedServices, type AutopilotPolicy } from '../domain/autopilot';
import { strategyNames } from '../domain/strategies';
import type { watchWorkflow } from '../../workflows/watch';
import { containerEventSignal, searchAttributes, watchWorkflowId } from '../../workflows/definitions';

/** null when AUTOPILOT_POLICY_FILE is not set: the autopilot is off. */
export function loadAutopilotPolicy(config: Config): AutopilotPolicy | null {
  const path = config.autopilot.policyFile;
  if (!path) return null;
  const text = readFileSync(path, 'utf8');
  const version = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const policy = parseAutopilotPolicy(text, { path, version }, strategyNames());
  const outside = scrapeTargetOutsideAllowlist(policy, config.heal.verifyHttpAllowlist);
  if (outside) throw new PolicyFileError(path, outside.field, outside.reason);
  return policy;
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
export function wakeWatchesOnEvents(client: Client, config: Config, policy: AutopilotPolicy, logger: Logger): { close(): void } {
  const watched = new Set(watchedServices(policy));
  const { socketPath, ownerLabel } = config.docker;
  return followContainerEvents(
    { socketPath, ...(ownerLabel ? { owner: { label: ownerLabel, value: config.worker.hostId } } : {}) },
    (event) => {
      if (!watched.has(event.service) || !isTroubleEvent(event.action)) return;
      client.workflow
        .getHandle(watchWorkflowId(event.service))
        .signal(containerEventSignal, { container: event.container, action: event.action, at: event.at })
        .catch((err: unknown) => logger.warn({ err, service: event.service }, 'watch not woken; it samples at its interval'));
    },
    (err) => logger.warn({ err }, 'docker events lost; watches sample at their interval until they are back'),
  );
}
