// Per service: each metric's recent values, its baseline band and the anomalies by severity (Chart.js).
import { api, query } from './api.js';
import { byId, clock, throttle, el, num, plural } from './dom.js';

const WINDOW_LIMIT = 200;
const COLORS = { value: '#1e293b', band: 'rgba(37, 99, 235, 0.14)', expected: 'rgba(37, 99, 235, 0.75)', medium: '#f59e0b', high: '#dc2626', then: '#7c3aed' };

const charts = new Map();
let selected = null;

/** Services with recent snapshots, most recently analysed first. */
async function recentServices() {
  const page = await api(`/api/self_healing/snapshots?${query({ limit: 1000 })}`);
  return [...new Set(page.items.map((s) => s.service))];
}

function addServiceOption(service) {
  const select = byId('service-select');
  if ([...select.options].some((o) => o.value === service)) return;
  select.append(el('option', { value: service }, service));
}

/** Points per metric, oldest first, from the snapshots and anomaly events of the window. */
function series(snapshots, anomalies) {
  const byMetric = new Map();
  const entry = (metric) => byMetric.get(metric) ?? byMetric.set(metric, { values: [], medium: [], high: [], then: [] }).get(metric);
  for (const snapshot of [...snapshots].reverse()) {
    for (const [metric, value] of Object.entries(snapshot.metrics)) entry(metric).values.push({ x: snapshot.at, y: value });
  }
  for (const a of anomalies) {
    const e = entry(a.metric);
    e[a.severity === 'high' ? 'high' : 'medium'].push({ x: a.at, y: a.value, hint: a.hint });
    e.then.push({ x: a.at, y: a.baseline, hint: `expected ${num(a.baseline)} ± ${num(a.std)} (σ) then; z = ${num(a.zscore)}` });
  }
  return byMetric;
}

function datasets(points, band) {
  const xs = points.values.map((p) => p.x);
  const span = xs.length ? [Math.min(...xs), Math.max(...xs)] : [];
  const flat = (y) => (band ? span.map((x) => ({ x, y })) : []);
  const scatter = (label, data, color, radius, style = 'circle') => ({
    type: 'scatter', label, data, pointStyle: style, pointRadius: radius, pointHoverRadius: radius + 2,
    backgroundColor: color, borderColor: color, borderWidth: style === 'line' ? 3 : 1,
  });
  return [
    { label: 'band upper', data: flat(band?.upper), borderWidth: 0, pointRadius: 0, fill: '+1', backgroundColor: COLORS.band },
    { label: 'band lower', data: flat(band?.lower), borderWidth: 0, pointRadius: 0, fill: false },
    { label: 'expected', data: flat(band?.expected), borderColor: COLORS.expected, borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0 },
    { label: 'value', data: points.values, borderColor: COLORS.value, backgroundColor: COLORS.value, borderWidth: 1.5, pointRadius: 2.5 },
    scatter('expected when flagged', points.then, COLORS.then, 9, 'line'),
    scatter('medium anomaly', points.medium, COLORS.medium, 6),
    scatter('high anomaly', points.high, COLORS.high, 7),
  ];
}

function chartOptions() {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: 'nearest', intersect: true },
    scales: {
      x: { type: 'linear', ticks: { callback: (v) => clock(v), maxTicksLimit: 6, maxRotation: 0 }, grid: { display: false } },
      y: { ticks: { callback: (v) => num(v), maxTicksLimit: 6 }, grace: '8%' },
    },
    plugins: {
      legend: { display: false },
      tooltip: {
        filter: (item) => !item.dataset.label.startsWith('band'),
        callbacks: {
          title: (items) => clock(items[0].parsed.x),
          label: (item) => item.raw.hint ?? `${item.dataset.label}: ${num(item.parsed.y)}`,
        },
      },
    },
  };
}

function chartCard(metric, band, anomalyCount) {
  const note = band ? `expected ${num(band.expected)} ± ${num(band.upper - band.expected)}${band.warming_up ? ' · warming up' : ''}` : 'no baseline yet';
  const canvas = el('canvas', { 'aria-label': `${metric} values and baseline` });
  const card = el(
    'figure', { class: 'metric-chart', dataset: { metric } },
    el('figcaption', {}, el('b', {}, metric), el('span', { class: 'muted' }, note),
      anomalyCount ? el('span', { class: 'badge bad' }, plural(anomalyCount, 'anomaly', 'anomalies')) : null),
    el('div', { class: 'canvas-box' }, canvas),
  );
  return { card, canvas };
}

async function render(service) {
  const [snapshots, anomalies, baselines] = await Promise.all([
    api(`/api/self_healing/snapshots?${query({ service, limit: WINDOW_LIMIT })}`),
    api(`/api/self_healing/anomalies?${query({ service, limit: WINDOW_LIMIT })}`),
    api(`/api/self_healing/baselines?${query({ service })}`),
  ]);
  if (service !== selected) return; // another service was picked meanwhile
  byId('band-k').textContent = String(baselines.k);
  const bands = new Map(baselines.baselines.map((b) => [b.metric, b]));
  const byMetric = series(snapshots.items, anomalies.items);
  byId('service-note').textContent = `${plural(snapshots.items.length, 'analysis', 'analyses')} · ${plural(anomalies.items.length, 'anomaly', 'anomalies')} in the last 24 h`;
  const container = byId('metric-charts');
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
  container.replaceChildren();
  for (const metric of [...byMetric.keys()].sort()) {
    const points = byMetric.get(metric);
    const { card, canvas } = chartCard(metric, bands.get(metric), points.medium.length + points.high.length);
    container.append(card);
    charts.set(metric, new Chart(canvas, { type: 'line', data: { datasets: datasets(points, bands.get(metric)) }, options: chartOptions() }));
  }
  if (byMetric.size === 0) container.append(el('p', { class: 'muted' }, 'No analyses of this service in the last 24 hours.'));
}

function show(service) {
  selected = service;
  if (service) render(service).catch((err) => (byId('service-note').textContent = `could not load: ${err.message}`));
}

const refresh = throttle(() => show(selected), 1000);

export const metricsView = {
  async start() {
    const select = byId('service-select');
    select.addEventListener('change', () => show(select.value));
    for (const service of await recentServices()) addServiceOption(service);
    show(select.value || null);
  },
  /** A live analysis: a new service joins the list; one of the shown service redraws its charts. */
  onAnalyze(event) {
    addServiceOption(event.service);
    if (!selected) {
      byId('service-select').value = event.service;
      show(event.service);
    } else if (event.service === selected) refresh();
  },
  refresh() {
    if (selected) refresh();
  },
};
