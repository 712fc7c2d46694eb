// What the autopilot tells people, at the points of an incident's life where someone may have to act: an incident
// opened, a heal waiting for approval, a heal that failed or rolled back, an incident escalated. Pure: the watch's
// activities derive the notices from what changed, the workflow hands each one to the `notify` activity, and the
// webhook payloads (generic JSON and Slack's `{text, blocks}`) are built here from a notice.
import type { Decision } from './decision';
import type { Incident, IncidentChange, IncidentHeal } from './incident';

export const NOTICE_TYPES = ['incident.opened', 'heal.suggested', 'heal.approval_needed', 'heal.failed', 'heal.rolled_back', 'incident.escalated'] as const;
export type NoticeType = (typeof NOTICE_TYPES)[number];

export interface Notice {
  /** Stable for one event (the same on every retry and redelivery): receivers drop duplicates by it. */
  id: string;
  type: NoticeType;
  at: number;
  service: string;
  incident: Incident;
  /** The heal concerned (approval, failure, roll back); null for an incident's own events. */
  heal: (IncidentHeal & { outcome: string | null }) | null;
  /** The decision that started the heal (approval needed). */
  decision: Pick<Decision, 'id' | 'level' | 'strategy' | 'reason'> | null;
}

/** What a sample's incident changes announce: an incident that opened. */
export function tickNotices(incident: Incident | null, changes: readonly IncidentChange[], at: number): Notice[] {
  if (!incident || !changes.includes('opened')) return [];
  return [{ id: `${incident.id}:opened`, type: 'incident.opened', at, service: incident.service, incident, heal: null, decision: null }];
}

/** The path a person POSTs to start the heal a `suggest` decision offers (through the normal heal API). */
export function suggestionStartPath(decisionId: string): string {
  return `/api/self_healing/autopilot/decisions/${encodeURIComponent(decisionId)}/start`;
}

/** What a decision announces: in `suggest`, the offer of a heal that a person may start. */
export function decisionNotices(incident: Incident, decision: Decision, at: number): Notice[] {
  if (decision.level !== 'suggest') return [];
  const { id, level, strategy, reason } = decision;
  return [{ id: `${decision.id}:suggested`, type: 'heal.suggested', at, service: incident.service, incident, heal: null, decision: { id, level, strategy, reason } }];
}

/** What a heal's start or end announces; `incident` is the incident after the event was folded in. */
export function healNotices(
  incident: Incident,
  event: { kind: 'started'; decision: Decision; heal: IncidentHeal } | { kind: 'finished'; heal: IncidentHeal; outcome: string },
  at: number,
): Notice[] {
  const base = { at, service: incident.service, incident };
  if (event.kind === 'started') {
    if (!event.decision.requireApproval) return [];
    const { id, level, strategy, reason } = event.decision;
    return [{ ...base, id: `${event.heal.attemptId}:approval_needed`, type: 'heal.approval_needed', heal: { ...event.heal, outcome: null }, decision: { id, level, strategy, reason } }];
  }
  const heal = { ...event.heal, outcome: event.outcome };
  const notices: Notice[] = [];
  // Fixed outcomes need nobody; a rejection was a person's own decision (its escalation says so).
  if (event.outcome === 'rolled_back') notices.push({ ...base, id: `${heal.attemptId}:rolled_back`, type: 'heal.rolled_back', heal, decision: null });
  else if (!['verified', 'recovered_before_action', 'rejected'].includes(event.outcome)) notices.push({ ...base, id: `${heal.attemptId}:failed`, type: 'heal.failed', heal, decision: null });
  if (incident.status === 'escalated') notices.push({ ...base, id: `${incident.id}:escalated`, type: 'incident.escalated', heal, decision: null });
  return notices;
}

const TITLES: Record<NoticeType, string> = {
  'incident.opened': 'Incident opened',
  'heal.suggested': 'Heal suggested',
  'heal.approval_needed': 'Heal waiting for approval',
  'heal.failed': 'Heal failed',
  'heal.rolled_back': 'Heal rolled back',
  'incident.escalated': 'Incident escalated',
};

/** One line a person reads first. */
export function noticeSummary(n: Notice): string {
  const what: Record<NoticeType, () => string> = {
    'incident.opened': () => `${n.incident.troubles.slice(0, 3).join(', ')}${n.incident.troubles.length > 3 ? ` and ${n.incident.troubles.length - 3} more` : ''}`,
    'heal.suggested': () => `${n.decision?.strategy} is offered to a person: POST ${suggestionStartPath(n.decision?.id ?? '')}`,
    'heal.approval_needed': () => `${n.heal?.strategy} (${n.heal?.workflowId}) waits for a person: POST /api/self_healing/heal/${n.heal?.workflowId}/approve`,
    'heal.failed': () => `${n.heal?.strategy} (${n.heal?.workflowId}) ended ${n.heal?.outcome}`,
    'heal.rolled_back': () => `${n.heal?.strategy} (${n.heal?.workflowId}) did not verify; its actions were undone`,
    'incident.escalated': () => n.incident.escalation ?? 'handed to a person',
  };
  return `${TITLES[n.type]} on ${n.service}: ${what[n.type]()}`;
}

/** Where to look: the Temporal Web UI's page of the heal (or the watch). */
function workflowLink(n: Notice, uiUrl: string, namespace: string): string {
  const workflowId = n.heal?.workflowId ?? `watch-${n.service}`;
  return `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export interface GenericWebhookPayload {
  id: string;
  type: NoticeType;
  at: string;
  service: string;
  summary: string;
  incident: { id: string; status: string; opened_at: string; troubles: string[]; attempts: number; escalation: string | null; last_outcome: string | null };
  heal: { workflow_id: string; attempt_id: string; strategy: string; outcome: string | null } | null;
  decision: { id: string; level: string; strategy: string | null; reason: string } | null;
  links: { workflow: string; approve?: string; start?: string };
}

export function genericPayload(n: Notice, ui: { url: string; namespace: string }): GenericWebhookPayload {
  const i = n.incident;
  return {
    id: n.id,
    type: n.type,
    at: new Date(n.at).toISOString(),
    service: n.service,
    summary: noticeSummary(n),
    incident: { id: i.id, status: i.status, opened_at: new Date(i.openedAt).toISOString(), troubles: i.troubles, attempts: i.attempts, escalation: i.escalation, last_outcome: i.lastOutcome },
    heal: n.heal && { workflow_id: n.heal.workflowId, attempt_id: n.heal.attemptId, strategy: n.heal.strategy, outcome: n.heal.outcome },
    decision: n.decision,
    links: {
      workflow: workflowLink(n, ui.url, ui.namespace),
      ...(n.type === 'heal.approval_needed' && n.heal ? { approve: `/api/self_healing/heal/${encodeURIComponent(n.heal.workflowId)}/approve` } : {}),
      ...(n.type === 'heal.suggested' && n.decision ? { start: suggestionStartPath(n.decision.id) } : {}),
    },
  };
}

/** Slack's incoming-webhook shape: `text` for notifications and clients without blocks, `blocks` for the message. */
export function slackPayload(n: Notice, ui: { url: string; namespace: string }): { text: string; blocks: unknown[] } {
  const text = noticeSummary(n);
  const facts = [
    `*Incident* ${n.incident.id} (${n.incident.status}, ${n.incident.attempts} heal attempt(s))`,
    ...(n.heal ? [`*Heal* ${n.heal.workflowId} ${n.heal.strategy}${n.heal.outcome ? `: ${n.heal.outcome}` : ''}`] : []),
    ...(n.decision ? [`*Decision* ${n.decision.level}: ${n.decision.reason}`] : []),
  ];
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `${TITLES[n.type]}: ${n.service}` } },
      { type: 'section', text: { type: 'mrkdwn', text: mrkdwnEscaped(text) } },
      { type: 'section', text: { type: 'mrkdwn', text: facts.map(mrkdwnEscaped).join('\n') } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${workflowLink(n, ui.url, ui.namespace)}|Temporal Web UI> · ${new Date(n.at).toISOString()} · ${n.id}` }] },
    ],
  };
}

/** Slack reads `&`, `<` and `>` as markup; a container or strategy name must not become a link or a mention. */
function mrkdwnEscaped(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
