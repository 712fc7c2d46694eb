// Incidents: what is wrong with one service, grouped while it lasts, with hysteresis on both edges. Pure: the watch
// activity folds each sample in (observe) and each heal's start and end (healStarted, healFinished), and records the
// result; the watch workflow only carries the state from one sample to the next.
//
//   (none) ──troubled `openAfterSamples` samples in a row──▶ open ──heal started──▶ mitigating
//   open / mitigating (no heal in flight) ──clean `resolveAfterCleanSamples` samples in a row──▶ resolved
//   mitigating ──heal failed, attempts left──▶ open        ──heal failed, no attempt left, refused or rejected──▶ escalated
//   escalated ──clean samples as above──▶ resolved (escalatedAt kept)
//
// Grouping: every trouble of the service while an incident is active joins it (one service, one time span); a
// trouble after the incident resolved opens a new one only after the opening threshold again. A flap shorter than
// the resolution threshold therefore stays one incident, and a resolved incident is never reopened. While a heal is
// in flight, a container the incident already holds seen `exited` or `restarting` is the heal at work (a restart or
// a recreate passes it through those), judged by its verification: it does not join, though it still holds the
// resolution back. Anything else, an OOM kill of that container included, joins as usual.

import { parseContainerTrouble } from './signals';

export type IncidentStatus = 'open' | 'mitigating' | 'resolved' | 'escalated';

export interface IncidentHeal {
  workflowId: string;
  attemptId: string;
  strategy: string;
}

export interface Incident {
  id: string;
  service: string;
  status: IncidentStatus;
  openedAt: number;
  updatedAt: number;
  /** When it resolved; null while active. */
  closedAt: number | null;
  escalatedAt: number | null;
  /** Why it was escalated, for the person it is handed to. */
  escalation: string | null;
  /** What it groups: `container:<name>:<unhealthy|exited|...>` and `metric:<name>` keys, first seen first. */
  troubles: string[];
  /** Clean samples in a row (blind samples neither count nor break the streak). */
  cleanStreak: number;
  /** Heals started for it. */
  attempts: number;
  /** At most one remediation in flight. */
  inFlight: IncidentHeal | null;
  /** The outcome of its last heal. */
  lastOutcome: string | null;
  /** Set when it opens and after a heal that did not fix it: the next sample decides what to do. */
  needsDecision: boolean;
}

export interface IncidentSettings {
  openAfterSamples: number;
  resolveAfterCleanSamples: number;
  maxAttempts: number;
}

/** What one watch carries from sample to sample. */
export interface WatchMemory {
  /** The current incident, or the last one (resolved) until a new one opens. */
  incident: Incident | null;
  /** Troubled samples in a row while no incident is active. */
  troubledStreak: number;
}

export type IncidentChange = 'opened' | 'grouped' | 'resolved' | 'heal_started' | 'heal_finished' | 'escalated' | 'decided';

export interface Observed {
  memory: WatchMemory;
  /** What changed in the incident, in order; empty when nothing did (nothing to record). */
  changes: IncidentChange[];
}

/** Most trouble keys one incident keeps: a storm of new series must not grow it without end. */
export const MAX_TROUBLES = 50;

export const EMPTY_MEMORY: WatchMemory = { incident: null, troubledStreak: 0 };

export function isActive(incident: Incident | null): incident is Incident {
  return incident !== null && incident.closedAt === null;
}

/**
 * Folds one sample in. `troubles` is what is wrong now (empty: clean); a blind sample (`blind`) changes nothing,
 * since blindness is neither health nor trouble. `newId` names the incident this sample would open.
 */
export function observe(
  memory: WatchMemory,
  sample: { at: number; troubles: readonly string[]; blind: boolean },
  settings: IncidentSettings,
  newId: string,
  service: string,
): Observed {
  if (sample.blind) return { memory, changes: [] };
  const current = memory.incident;
  if (sample.troubles.length > 0) {
    if (isActive(current)) {
      const fresh = current.inFlight === null ? sample.troubles : sample.troubles.filter((t) => !healTransient(current.troubles, t));
      const troubles = merged(current.troubles, fresh);
      const grew = troubles.length > current.troubles.length;
      // A verified heal whose trouble came back: open again, so the next attempt (if any is left) is decided.
      const reopen = current.status === 'mitigating' && current.inFlight === null;
      const incident: Incident = {
        ...current,
        troubles,
        cleanStreak: 0,
        ...(grew || reopen ? { updatedAt: sample.at } : {}),
        ...(reopen ? { status: 'open' as const, needsDecision: true } : {}),
      };
      return { memory: { ...memory, incident }, changes: grew || reopen ? ['grouped'] : [] };
    }
    const troubledStreak = memory.troubledStreak + 1;
    if (troubledStreak < settings.openAfterSamples) return { memory: { ...memory, troubledStreak }, changes: [] };
    const incident: Incident = {
      id: newId,
      service,
      status: 'open',
      openedAt: sample.at,
      updatedAt: sample.at,
      closedAt: null,
      escalatedAt: null,
      escalation: null,
      troubles: merged([], sample.troubles),
      cleanStreak: 0,
      attempts: 0,
      inFlight: null,
      lastOutcome: null,
      needsDecision: true,
    };
    return { memory: { incident, troubledStreak: 0 }, changes: ['opened'] };
  }
  if (!isActive(current)) return { memory: { ...memory, troubledStreak: 0 }, changes: [] };
  const cleanStreak = current.cleanStreak + 1;
  // Never resolved under a heal in flight: its outcome belongs to this incident.
  if (cleanStreak < settings.resolveAfterCleanSamples || current.inFlight !== null) {
    return { memory: { incident: { ...current, cleanStreak }, troubledStreak: 0 }, changes: [] };
  }
  const incident: Incident = {
    ...current,
    cleanStreak,
    status: 'resolved',
    closedAt: sample.at,
    updatedAt: sample.at,
    needsDecision: false,
  };
  return { memory: { incident, troubledStreak: 0 }, changes: ['resolved'] };
}

/** A decision that only records (shadow, suggest, off) settles this round: nothing more is decided until it changes. */
export function decided(incident: Incident, at: number): Incident {
  return { ...incident, needsDecision: false, updatedAt: at };
}

export function healStarted(incident: Incident, heal: IncidentHeal, at: number): Incident {
  return { ...incident, status: 'mitigating', inFlight: heal, attempts: incident.attempts + 1, needsDecision: false, updatedAt: at };
}

/** Outcomes after which the incident's trouble is taken as dealt with (a clean streak then resolves it). */
const FIXED = new Set(['verified', 'recovered_before_action']);

export function healFinished(incident: Incident, outcome: string, at: number, settings: IncidentSettings): Incident {
  const base = { ...incident, inFlight: null, lastOutcome: outcome, updatedAt: at };
  if (FIXED.has(outcome)) return { ...base, status: 'mitigating', needsDecision: false };
  // A refusal by the safety envelope (cooldown, budget, blast radius, ...) would be repeated by the next sample's
  // attempt at once: it goes to a person instead of spending the incident's attempts in a second.
  const why =
    outcome === 'rejected'
      ? 'a person rejected the heal'
      : outcome === 'refused'
        ? 'the safety envelope refused the heal (its reasons are in the heal); a next attempt would be refused the same way'
        : incident.attempts >= settings.maxAttempts
        ? `${incident.attempts} heal attempt(s) did not fix it (last: ${outcome})`
        : null;
  if (why) return { ...base, status: 'escalated', escalatedAt: at, escalation: why, needsDecision: false };
  return { ...base, status: 'open', needsDecision: true };
}

/** The states a restart or a recreate passes a container through. */
const HEAL_TRANSIENT_STATES = new Set(['exited', 'restarting']);

/** Whether `trouble` is a container `exited` or `restarting` that `known` already holds (in any state). */
function healTransient(known: readonly string[], trouble: string): boolean {
  const seen = parseContainerTrouble(trouble);
  if (!seen || !HEAL_TRANSIENT_STATES.has(seen.state)) return false;
  return known.some((t) => parseContainerTrouble(t)?.name === seen.name);
}

function merged(known: readonly string[], fresh: readonly string[]): string[] {
  const out = [...known];
  for (const t of fresh) if (!out.includes(t) && out.length < MAX_TROUBLES) out.push(t);
  return out;
}
