// Following heals live over Socket.IO: one line per step. Following one heal catches up from its status first
// (subscribing before reading it, so no step falls in between), drops duplicates by seq, and ends with the
// heal's outcome; after a reconnect it subscribes and catches up again.
import { io, type Socket } from 'socket.io-client';
import type { EventEnvelope } from '../domain/events';
import type { HealStatus, StepProgress } from '../domain/heal';
import type { ApiClient } from './api-client';
import { clock, num } from './output';

/** Exit status of a followed heal: 0 when verified (or planned, for a dry run), this for every other outcome. */
export const UNSUCCESSFUL_OUTCOME_EXIT = 3;
export const exitCodeFor = (outcome: string | null): number => (outcome === 'verified' || outcome === 'planned' ? 0 : UNSUCCESSFUL_OUTCOME_EXIT);

type Print = (text: string) => void;

/** What --json prints, one per line: the event envelope, for live steps and caught-up ones alike. */
export type Emit = (event: EventEnvelope, text: string) => void;

function stepText(e: EventEnvelope): string {
  const d = e.data as { seq: number; status: string; detail: string; action?: string; target?: string };
  const what = d.action ? `${d.action}${d.target ? ` → ${d.target}` : ''}  ` : '';
  return `${clock(Date.parse(e.at))}  ${e.service}  #${String(d.seq).padStart(2)} ${e.step.padEnd(19)} ${d.status.padEnd(6)} ${what}${d.detail}`;
}

/** A step read from the heal's status, as the envelope its event carried (same id, same fields). */
function envelopeOf(status: HealStatus, step: StepProgress, recorded: { action?: string; target?: string } | undefined): EventEnvelope {
  const { action, target } = recorded ?? {};
  return {
    id: `${status.attempt_id}:${step.seq}`, type: 'heal', version: 1, at: new Date(step.at).toISOString(),
    workflowId: status.workflow_id, runId: status.run_id, service: status.service, step: step.step as EventEnvelope['step'],
    data: { seq: step.seq, status: step.status, detail: step.detail, ...(action ? { action } : {}), ...(target ? { target } : {}), ...(step.step === 'completed' ? { outcome: status.outcome } : {}) },
  };
}

function analysisText(e: EventEnvelope): string {
  const anomalies = (e.data.anomalies ?? []) as { metric: string; severity: string; zscore: number }[];
  const which = anomalies.map((a) => `${a.metric} ${a.severity} (z ${num(a.zscore)})`).join(', ');
  const diagnosis = (e.data.diagnosis as { issue_type?: string } | undefined)?.issue_type ?? '?';
  return `${clock(Date.parse(e.at))}  ${e.service}  analyzed: ${anomalies.length} anomalies${which ? `: ${which}` : ''} → ${diagnosis}`;
}

/** A connected socket; the token is asked for at every (re)connect, so a minted one is always fresh. */
export async function openSocket(client: ApiClient, warn: Print): Promise<Socket> {
  const socket = io(client.url, { path: '/socket.io', transports: ['websocket'], auth: (cb) => cb({ token: client.token() }), reconnectionDelayMax: 5000 });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => {
      socket.close();
      reject(new Error(`cannot follow events at ${client.url}: ${err.message}`));
    });
  });
  socket.on('disconnect', (reason) => {
    if (reason !== 'io client disconnect') warn(`connection lost (${reason}); reconnecting`);
  });
  return socket;
}

async function subscribe(socket: Socket, filter: Record<string, unknown>): Promise<void> {
  const reply = (await socket.timeout(10_000).emitWithAck('subscribe', filter)) as { ok: boolean; error?: string };
  if (!reply.ok) throw new Error(`subscription refused: ${reply.error ?? 'unknown reason'}`);
}

/** Prints one heal's steps until it completes; resolves with its outcome. */
export function followHeal(client: ApiClient, socket: Socket, workflowId: string, emit: Emit, timeoutMs: number | null): Promise<string> {
  const printed = new Set<number>();
  let runId: string | null = null;
  let pending: EventEnvelope[] | null = [];
  return new Promise<string>((resolve, reject) => {
    const timer = timeoutMs === null ? null : setTimeout(() => reject(new Error(`heal ${workflowId} had not finished after ${timeoutMs / 1000} s`)), timeoutMs);
    const finish = (outcome: string | null) => {
      if (timer) clearTimeout(timer);
      resolve(outcome ?? 'unknown');
    };
    const show = (e: EventEnvelope) => {
      const seq = e.data.seq as number;
      if (printed.has(seq)) return;
      printed.add(seq);
      emit(e, stepText(e));
      if (e.step === 'completed') finish(e.data.outcome as string);
    };
    const onEvent = (e: EventEnvelope) => {
      if (e.workflowId !== workflowId) return;
      if (pending) pending.push(e);
      else if (e.runId === runId) show(e);
    };
    const catchUp = async () => {
      await subscribe(socket, { workflowId });
      const status = (await client.expect('GET', `/api/self_healing/heal/${encodeURIComponent(workflowId)}`)) as HealStatus;
      runId = status.run_id;
      // The audit's step records carry the action and target that the workflow's status leaves out.
      const attempt = await client.call('GET', `/api/self_healing/attempts/${encodeURIComponent(status.attempt_id)}`);
      const recordedSteps = attempt.status === 200 ? (attempt.body as { steps: { seq: number; action?: string; target?: string }[] }).steps : [];
      const recorded = new Map(recordedSteps.map((s) => [s.seq, s]));
      for (const step of [...status.steps].sort((a, b) => a.seq - b.seq)) show(envelopeOf(status, step, recorded.get(step.seq)));
      if (status.phase === 'completed') finish(status.outcome);
      const waiting = pending ?? [];
      pending = null;
      for (const e of waiting.sort((a, b) => (a.data.seq as number) - (b.data.seq as number))) onEvent(e);
    };
    socket.on('self_healing:heal', onEvent);
    socket.io.on('reconnect', () => catchUp().catch(reject));
    catchUp().catch(reject);
  });
}

/** Prints every heal step and analysis until a signal or the timeout; resolves with 0. */
export async function followAll(socket: Socket, emit: Emit, timeoutMs: number | null, note: Print): Promise<number> {
  socket.on('self_healing:heal', (e: EventEnvelope) => emit(e, stepText(e)));
  socket.on('self_healing:analyze', (e: EventEnvelope) => emit(e, analysisText(e)));
  socket.io.on('reconnect', () => void subscribe(socket, { all: true }).catch((err: Error) => note(`after reconnecting: ${err.message}`)));
  await subscribe(socket, { all: true });
  note('following every heal and analysis (Ctrl-C to stop)');
  return new Promise<number>((resolve) => {
    const stop = () => resolve(0);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (timeoutMs !== null) setTimeout(stop, timeoutMs).unref();
  });
}
