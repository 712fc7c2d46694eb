// Heals: a live list, and the timeline of one heal's steps, built from the REST API and updated by Socket.IO events.
import { api, query, session } from './api.js';
import { badge, byId, clock, el } from './dom.js';

const LIST_LIMIT = 30;
/** Heals by `${workflowId}/${runId}`: the workflow id of applied heals is reused per service, the run id is not. */
const heals = new Map();
let current = null; // { key, heal, steps: Map<seq, step>, status }

const keyOf = (workflowId, runId) => `${workflowId}/${runId}`;

function upsert(key, fields) {
  const heal = { ...(heals.get(key) ?? {}), ...fields };
  heals.set(key, heal);
  return heal;
}

function renderList() {
  const only = byId('only-service').checked ? byId('service-select').value : null;
  const rows = [...heals.entries()]
    .filter(([, h]) => !only || h.service === only)
    .sort((a, b) => b[1].at - a[1].at)
    .slice(0, LIST_LIMIT);
  byId('heal-list').tBodies[0].replaceChildren(
    ...rows.map(([key, h]) =>
      el('tr', { class: current?.key === key ? 'selected' : '', dataset: { key, service: h.service }, onclick: () => select(key, true) },
        el('td', {}, clock(h.at)), el('td', {}, h.service), el('td', {}, h.strategy ?? '—'),
        el('td', {}, h.dryRun === undefined ? '—' : h.dryRun ? 'dry run' : 'apply'), el('td', {}, badge(h.outcome)))),
  );
}

function stepLabel(step) {
  const what = step.action ? ` · ${step.action}${step.target ? ` → ${step.target}` : ''}` : '';
  return `${step.step.replaceAll('_', ' ')}${what}`;
}

function renderTimeline() {
  if (!current) return;
  const { heal, status } = current;
  const outcome = status?.outcome ?? heal.outcome;
  byId('timeline-empty').hidden = true;
  const head = byId('timeline-head');
  head.hidden = false;
  head.replaceChildren(
    el('div', {}, el('b', {}, heal.service), ' · ', heal.strategy ?? 'no strategy yet', ' · ', heal.dryRun ? 'dry run' : 'apply', ' ', badge(outcome)),
    el('code', { class: 'muted' }, heal.workflowId),
  );
  const link = byId('temporal-link');
  link.hidden = !status?.temporal_ui;
  if (status?.temporal_ui) link.href = status.temporal_ui;
  const waiting = outcome === 'awaiting_approval';
  byId('approval').hidden = !(waiting && session.mayDecide());
  const steps = [...current.steps.values()].sort((a, b) => a.seq - b.seq);
  const timeline = byId('timeline');
  const atEnd = timeline.scrollTop + timeline.clientHeight >= timeline.scrollHeight - 4;
  timeline.replaceChildren(
    ...steps.map((s) =>
      el('li', { class: `step ${s.status}`, dataset: { step: s.step, seq: s.seq } },
        el('span', { class: 'dot', 'aria-hidden': 'true' }),
        el('div', {}, el('div', { class: 'step-title' }, el('b', {}, stepLabel(s)), el('time', {}, clock(s.at))), el('div', { class: 'detail' }, s.detail)))),
  );
  // Keeps the newest step in view while following, unless the reader scrolled up.
  if (atEnd) timeline.scrollTop = timeline.scrollHeight;
}

/** Merges steps by seq; the audit's records carry the action and target that the workflow's status leaves out. */
function mergeSteps(steps) {
  for (const s of steps ?? []) current.steps.set(s.seq, { ...current.steps.get(s.seq), ...s });
}

/** Loads the heal's status (Temporal link, phase) and its recorded steps; events arriving meanwhile merge by seq. */
async function select(key, chosenByHand = false) {
  if (chosenByHand) byId('follow-new').checked = false;
  const heal = heals.get(key);
  current = { key, heal, steps: new Map(), status: null };
  byId('approval-error').textContent = '';
  renderList();
  renderTimeline();
  // The status may be gone from Temporal (retention) and the attempt not yet in the audit: either may fail.
  const [status, attempt] = await Promise.all([
    api(`/api/self_healing/heal/${encodeURIComponent(heal.workflowId)}?${query({ run_id: heal.runId })}`).catch(() => null),
    api(`/api/self_healing/attempts/${encodeURIComponent(heal.attemptId ?? heal.runId)}`).catch(() => null),
  ]);
  if (current?.key !== key) return;
  if (status) {
    current.status = status;
    mergeSteps(status.steps);
    const outcome = status.outcome ?? (status.phase === 'awaiting_approval' ? 'awaiting_approval' : 'running');
    current.heal = upsert(key, { outcome, strategy: status.plan?.strategy ?? heal.strategy, dryRun: status.dry_run });
  }
  mergeSteps(attempt?.steps);
  renderList();
  renderTimeline();
}

async function decide(verb) {
  const { heal } = current;
  byId('approval-error').textContent = '';
  for (const id of ['approve', 'reject']) byId(id).disabled = true;
  try {
    await api(`/api/self_healing/heal/${encodeURIComponent(heal.workflowId)}/${verb}`, { method: 'POST', body: { comment: `${verb}d from the dashboard` } });
  } catch (err) {
    byId('approval-error').textContent = err.message;
  } finally {
    for (const id of ['approve', 'reject']) byId(id).disabled = false;
  }
}

export const healsView = {
  async start() {
    byId('approve').addEventListener('click', () => decide('approve'));
    byId('reject').addEventListener('click', () => decide('reject'));
    for (const id of ['only-service', 'service-select']) byId(id).addEventListener('change', renderList);
    const page = await api(`/api/self_healing/attempts?${query({ limit: LIST_LIMIT })}`);
    for (const a of page.items) {
      upsert(keyOf(a.workflowId, a.runId), { workflowId: a.workflowId, runId: a.runId, attemptId: a.id, service: a.service, strategy: a.strategy, dryRun: a.dryRun, outcome: a.outcome, at: a.at });
    }
    renderList();
  },
  /** One heal step, live: updates its row, and the timeline when it is the heal shown (or a new one to follow). */
  onHealEvent(event) {
    const key = keyOf(event.workflowId, event.runId);
    const d = event.data;
    const known = heals.has(key);
    const at = Date.parse(event.at);
    const fields = { workflowId: event.workflowId, runId: event.runId, service: event.service, at: heals.get(key)?.at ?? at };
    if (d.plan) Object.assign(fields, { strategy: d.plan.strategy, dryRun: d.plan.dry_run });
    fields.outcome = event.step === 'completed' ? d.outcome : event.step === 'approval_requested' ? 'awaiting_approval' : 'running';
    upsert(key, fields);
    if (!known && byId('follow-new').checked) select(key);
    if (current?.key === key) {
      current.heal = heals.get(key);
      if (current.status) current.status.outcome = event.step === 'completed' ? d.outcome : null;
      current.steps.set(d.seq, { seq: d.seq, step: event.step, status: d.status, detail: d.detail, action: d.action, target: d.target, at });
      renderTimeline();
    }
    renderList();
  },
};
