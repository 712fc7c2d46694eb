// The Docker engine's events stream, for the autopilot: a managed container turning unhealthy, dying or being
// OOM-killed is pushed the moment the engine knows, instead of waiting for its watch's next sample. Reconnects after
// an error with a growing pause; while it is down the watches still sample on their interval, so a lost event costs
// time, never a detection.
import { createInterface } from 'node:readline';
import Docker from 'dockerode';
import { SERVICE_LABEL } from './container-info';

export interface ContainerEvent {
  service: string;
  container: string;
  /** Docker's action: `health_status: unhealthy`, `die`, `oom`. */
  action: string;
  at: number;
}

/** `health_status` matches every `health_status: <status>` (the engine matches that one by prefix). */
const ACTIONS = ['health_status', 'die', 'oom'];

/** True for the events that can mean trouble: a turn to healthy is no reason to hurry. */
export function isTroubleEvent(action: string): boolean {
  return action === 'die' || action === 'oom' || action === 'health_status: unhealthy';
}

interface RawEvent {
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  timeNano?: number;
}

export function followContainerEvents(
  options: { socketPath: string; owner?: { label: string; value: string } },
  onEvent: (event: ContainerEvent) => void,
  onError: (err: Error) => void,
): { close(): void } {
  // No request timeout: the stream stays open for the worker's life.
  const docker = new Docker({ socketPath: options.socketPath });
  const abort = new AbortController();
  const label = [SERVICE_LABEL, ...(options.owner ? [`${options.owner.label}=${options.owner.value}`] : [])];
  const follow = async () => {
    let pauseMs = 500;
    while (!abort.signal.aborted) {
      try {
        const stream = (await docker.getEvents({ filters: { type: ['container'], event: ACTIONS, label }, abortSignal: abort.signal })) as NodeJS.ReadableStream;
        pauseMs = 500;
        for await (const line of createInterface({ input: stream })) {
          const e = parsed(line);
          if (e) onEvent(e);
        }
      } catch (err) {
        if (abort.signal.aborted) return;
        onError(err as Error);
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      pauseMs = Math.min(pauseMs * 2, 10_000);
    }
  };
  void follow();
  return { close: () => abort.abort() };
}

function parsed(line: string): ContainerEvent | null {
  let raw: RawEvent;
  try {
    raw = JSON.parse(line) as RawEvent;
  } catch {
    return null;
  }
  const service = raw.Actor?.Attributes?.[SERVICE_LABEL];
  if (!service || !raw.Action) return null;
  return { service, container: raw.Actor?.Attributes?.['name'] ?? raw.Actor?.ID ?? '', action: raw.Action, at: raw.timeNano ? Math.floor(raw.timeNano / 1e6) : Date.now() };
}
