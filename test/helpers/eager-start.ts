// Whether a workflow's first task went to its starter in the start itself (eager workflow start), read from history.
// The server writes an eager start's three first events (execution started, task scheduled, task started) in one
// batch, so they carry consecutive task ids; a polled task is started in a later write, after the start's own
// transfer and visibility tasks have taken ids in between. Timestamps do not tell: on a loaded machine the events of
// one batch can be milliseconds apart.
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The first workflow task's start when it was eager (with who ran it), else null. */
export function eagerFirstTask(events: HistoryEvent[]): { identity: string } | null {
  const [started, scheduled, taskStarted] = events;
  if (!started?.workflowExecutionStartedEventAttributes || !scheduled?.workflowTaskScheduledEventAttributes) return null;
  const attributes = taskStarted?.workflowTaskStartedEventAttributes;
  if (!attributes) return null;
  const ids = [started, scheduled, taskStarted].map((e) => Number(e.taskId));
  return ids[1] === ids[0]! + 1 && ids[2] === ids[1]! + 1 ? { identity: attributes.identity ?? '' } : null;
}
