// An incident's timeline for people: opened, each decision with its level, each heal started and its outcome, and
// how it ended (resolved or escalated). Pure: built from what the store holds for one incident.
import type { IncidentStatus } from './incident';

export interface IncidentView {
  id: string;
  service: string;
  status: IncidentStatus;
  openedAt: number;
  closedAt: number | null;
  escalatedAt: number | null;
  escalation: string | null;
  troubles: string[];
  attempts: number;
  lastOutcome: string | null;
}

export interface DecisionView {
  id: string;
  at: number;
  level: string;
  strategy: string | null;
  reason: string;
  result: string | null;
  policyRule: string | null;
  policyVersion: string | null;
  /** suggest: the person who started the offered heal, when, and its workflow. */
  acceptedBy: string | null;
  acceptedAt: number | null;
}

export interface AttemptView {
  id: string;
  workflowId: string | null;
  at: number;
  finishedAt: number | null;
  outcome: string | null;
  actor: string | null;
  strategy: string | null;
}

export type TimelineKind = 'opened' | 'decision' | 'suggestion_taken' | 'heal_started' | 'heal_finished' | 'escalated' | 'resolved';

export interface TimelineEntry {
  at: number;
  kind: TimelineKind;
  /** decision: its level; heal_finished: its outcome. */
  level?: string;
  outcome?: string;
  text: string;
}

const ORDER: Record<TimelineKind, number> = { opened: 0, decision: 1, suggestion_taken: 2, heal_started: 3, heal_finished: 4, escalated: 5, resolved: 6 };

/** Oldest first; at the same millisecond in lifecycle order (a decision before the heal it started). */
export function incidentTimeline(incident: IncidentView, decisions: readonly DecisionView[], attempts: readonly AttemptView[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ at: incident.openedAt, kind: 'opened', text: `opened: ${incident.troubles.join(', ') || 'trouble'}` }];
  for (const d of decisions) {
    entries.push({ at: d.at, kind: 'decision', level: d.level, text: `${d.level}${d.strategy ? ` ${d.strategy}` : ''}: ${d.reason}${d.policyRule ? ` (policy ${d.policyRule} @${d.policyVersion ?? '?'})` : ''}` });
    if (d.acceptedBy && d.acceptedAt !== null) entries.push({ at: d.acceptedAt, kind: 'suggestion_taken', text: `${d.acceptedBy} started the suggested ${d.strategy ?? 'heal'}` });
  }
  for (const a of attempts) {
    entries.push({ at: a.at, kind: 'heal_started', text: `heal ${a.workflowId ?? a.id} started${a.strategy ? ` (${a.strategy})` : ''}${a.actor ? ` by ${a.actor}` : ''}` });
    if (a.finishedAt !== null && a.outcome) entries.push({ at: a.finishedAt, kind: 'heal_finished', outcome: a.outcome, text: `heal ${a.workflowId ?? a.id}: ${a.outcome}` });
  }
  if (incident.escalatedAt !== null) entries.push({ at: incident.escalatedAt, kind: 'escalated', text: `escalated: ${incident.escalation ?? 'handed to a person'}` });
  if (incident.closedAt !== null) entries.push({ at: incident.closedAt, kind: 'resolved', text: `resolved after ${Math.round((incident.closedAt - incident.openedAt) / 1000)} s` });
  return entries.sort((a, b) => a.at - b.at || ORDER[a.kind] - ORDER[b.kind]);
}

/** "Why did (or didn't) we act at T", in one sentence, from what the graph holds about that moment. */
export function whyAnswer(w: {
  service: string;
  sight: { blind: boolean; reason: string | null } | null;
  incident: IncidentView | null;
  decisions: readonly (Pick<DecisionView, 'level' | 'strategy' | 'reason' | 'result' | 'policyRule' | 'policyVersion' | 'acceptedBy'> & { attempt: Pick<AttemptView, 'outcome' | 'workflowId'> | null })[];
}): string {
  const blind = w.sight?.blind ? `the watch was blind (${w.sight.reason ?? 'unknown reason'}); ` : '';
  if (!w.incident) return `${blind}no incident of ${w.service} was active then, so there was nothing to decide`;
  const last = w.decisions.at(-1);
  if (!last) return `${blind}incident ${w.incident.id} was ${w.incident.status} and not decided on yet`;
  const policy = last.policyRule ? ` under ${last.policyRule} of policy ${last.policyVersion ?? '?'}` : '';
  const heal = last.attempt ? `; heal ${last.attempt.workflowId ?? ''} ${last.attempt.outcome ?? 'was running'}` : '';
  const taken = last.acceptedBy ? `; ${last.acceptedBy} started the suggested heal` : '';
  return `${blind}incident ${w.incident.id} (${w.incident.troubles.join(', ')}): ${last.level}${policy}: ${last.reason}${last.result && last.result !== 'recorded' ? ` (${last.result})` : ''}${heal}${taken}`;
}
