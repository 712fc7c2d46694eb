// Timeouts and retry presets per kind of activity.
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

// Mirrors NON_RETRYABLE_ERROR_TYPES in src/errors.ts (workflow code may not import it: it is not a type).
const nonRetryableErrorTypes = ['AppError', 'ValidationError', 'NotFoundError', 'TargetNotAllowedError', 'TargetGoneError', 'ActionFailedError'];

/** Short, idempotent reads and writes (analysis, planning, audit): retried until the store is back. */
export const shortLocal: LocalActivityOptions = {
  startToCloseTimeout: '15s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s', nonRetryableErrorTypes },
};

/** Events: never lost, so retried without a limit while the broker is down. */
export const publish: ActivityOptions = {
  startToCloseTimeout: '15s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', nonRetryableErrorTypes },
};

/**
 * Actions on containers and queues: idempotent, heartbeating, a bounded number of tries. The heartbeat timeout is how
 * long a worker that died mid-action goes unnoticed before another worker retries the action; every single Docker
 * call an action makes (a restart waits at most 5 s for SIGTERM) fits well inside it.
 */
export const action: ActivityOptions = {
  startToCloseTimeout: '2m',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '15s', maximumAttempts: 5, nonRetryableErrorTypes },
};

/** Compensation must get through: retried longer than actions. */
export const compensation: ActivityOptions = {
  startToCloseTimeout: '2m',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20, nonRetryableErrorTypes },
};

/**
 * One host's view of a heal's containers, asked at planning: a host whose worker is down holds every plan up until
 * this runs out, so it is short (a dry run answers within DRY_RUN_TIMEOUT_MS, 10 s by default).
 */
export const hostObservation: ActivityOptions = {
  scheduleToCloseTimeout: '8s',
  startToCloseTimeout: '5s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes },
};

export const verification: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumAttempts: 3, nonRetryableErrorTypes },
};

/**
 * One watch sample: a Docker read and an analysis in Neo4j. A local activity (a marker in the history, no task round
 * trip) retried until Neo4j is back; the Docker read never fails it (an unreadable engine is a blind sample).
 */
export const watchSample: LocalActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', nonRetryableErrorTypes },
};

/**
 * A webhook notice (docs/autopilot.md, "Webhooks"): an ordinary activity, so its attempts and last failure show in the
 * Web UI; bounded, about two minutes of tries. A receiver down for longer misses the notice (the incident in Neo4j
 * still has it all); an activity retried without end would hold every later notice of the watch behind it.
 */
export const notification: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 7, nonRetryableErrorTypes },
};
