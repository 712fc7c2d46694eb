// The autopilot: its incidents with a timeline each (opened, decisions with their level, heals, outcome, resolved or
// escalated), the heals it suggests with a button that starts one through the heal API (you become its actor), the
// shadow comparisons per strategy, and the autonomy policy in force. Fed by the REST API; refreshed live when a watch's
// analysis or a heal event arrives over Socket.IO (the autopilot's own records have no events of their own).
import { api, query, session } from './api.js';
import { badge, byId, clock, el, throttle } from './dom.js';

const LIST_LIMIT = 20;
let incidents = [];
let selected = null; // incident id

const seconds = (ms) => (ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);
const share = (x) => (x === null || x === undefined ? '—' : `${Math.round(x * 100)}%`);

function kindClass(entry) {
  if (entry.kind === 'heal_finished') return /verified|recovered/.test(entry.outcome ?? '') ? 'ok' : 'failed';
  if (entry.kind === 'resolved') return 'ok';
  if (entry.kind === 'escalated') return 'failed';
  return 'info';
}

function renderIncidents() {
  const rows = incidents.map(({ incident, decisions }) => {
    const last = decisions.at(-1);
    return el('tr', { class: selected === incident.id ? 'selected' : '', dataset: { incident: incident.id }, onclick: () => select(incident.id) },
      el('td', {}, clock(incident.openedAt)), el('td', {}, incident.service), el('td', {}, badge(incident.status)),
      el('td', {}, last ? `${last.level}${last.strategy ? ` · ${last.strategy}` : ''}` : '—'), el('td', {}, String(incident.attempts)));
  });
  byId('incident-list').tBodies[0].replaceChildren(...rows);
  byId('incidents-empty').hidden = incidents.length > 0;
  renderIncident();
}

function renderIncident() {
  const item = incidents.find((i) => i.incident.id === selected);
  byId('incident-detail').hidden = !item;
  if (!item) return;
  const { incident, decisions, timeline } = item;
  byId('incident-head').replaceChildren(
    el('div', {}, el('b', {}, incident.service), ' ', badge(incident.status), ' ', incident.troubles.join(', ')),
    el('code', { class: 'muted' }, incident.id),
  );
  const offers = decisions.filter((d) => d.start);
  byId('suggestions').replaceChildren(
    ...offers.map((d) =>
      el('div', { class: 'approval', dataset: { decision: d.id } },
        el('span', {}, `Suggested: ${d.strategy}. `, d.reason),
        session.mayDecide() ? el('button', { type: 'button', class: 'start-suggested', onclick: (e) => startSuggested(d, e.target) }, `Start ${d.strategy}`) : el('span', { class: 'muted' }, 'an operator may start it'),
        el('span', { class: 'error', role: 'alert' }))),
  );
  byId('incident-timeline').replaceChildren(
    ...timeline.map((e) =>
      el('li', { class: `step ${kindClass(e)}`, dataset: { kind: e.kind } },
        el('span', { class: 'dot', 'aria-hidden': 'true' }),
        el('div', {}, el('div', { class: 'step-title' }, el('b', {}, e.kind.replaceAll('_', ' '), e.level ? ` · ${e.level}` : ''), el('time', {}, clock(e.at))), el('div', { class: 'detail' }, e.text)))),
  );
}

async function startSuggested(decision, button) {
  const error = button.parentElement.querySelector('.error');
  error.textContent = '';
  button.disabled = true;
  try {
    const started = await api(decision.start, { method: 'POST' });
    error.textContent = '';
    button.replaceWith(el('span', {}, 'started ', el('code', {}, started.workflow_id)));
    await refresh();
  } catch (err) {
    error.textContent = err.message;
    button.disabled = false;
  }
}

function select(id) {
  selected = id;
  renderIncidents();
}

function renderShadow(answer) {
  byId('shadow-empty').hidden = answer.strategies.length > 0;
  byId('shadow-table').tBodies[0].replaceChildren(
    ...answer.strategies.map((s) =>
      el('tr', {}, el('td', {}, s.service), el('td', {}, s.strategy ?? '—'), el('td', {}, String(s.decisions)), el('td', {}, share(s.self_resolved_share)),
        el('td', {}, String(s.healed_later)), el('td', {}, String(s.still_active)), el('td', {}, seconds(s.median_self_resolved_ms)), el('td', {}, seconds(s.p95_self_resolved_ms)))),
  );
}

function renderPolicy(policy) {
  const levels = Object.entries(policy.services).map(([service, sp]) => {
    const named = Object.entries(sp.strategies).map(([strategy, level]) => `${strategy}: ${level}`);
    return el('tr', {}, el('td', {}, service), el('td', {}, sp.default ?? `${policy.default} (policy default)`), el('td', {}, named.join(', ') || '—'));
  });
  byId('policy-table').tBodies[0].replaceChildren(...levels);
  byId('policy-note').textContent = policy.stored ? `version ${policy.version} · ${policy.source} · by ${policy.updated_by} at ${clock(policy.updated_at)}` : 'the autopilot is off';
}

async function refresh() {
  const [list, shadow, policy] = await Promise.all([
    api(`/api/self_healing/autopilot/incidents?${query({ limit: LIST_LIMIT })}`),
    api('/api/self_healing/autopilot/shadow'),
    api('/api/self_healing/autopilot/policy'),
  ]);
  incidents = list.items;
  if (!selected && incidents[0]) selected = incidents[0].incident.id;
  renderIncidents();
  renderShadow(shadow);
  renderPolicy(policy);
}

const refreshSoon = throttle(() => refresh().catch(() => undefined), 2000);

export const autopilotView = {
  start: refresh,
  refresh,
  /** A watch's sample or a heal's step may have changed an incident: redraw, at most every two seconds. */
  onEvent: refreshSoon,
};
