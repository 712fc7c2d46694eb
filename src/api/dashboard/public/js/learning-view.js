// Strategies and learning: each (strategy, issue type)'s posterior mean success rate with its 90% credible interval
// (a floating bar from the 5% to the 95% quantile, a diamond at the mean), and the strategy library as a table.
import { api } from './api.js';
import { byId, throttle, el, num } from './dom.js';

const MAX_ROWS = 24;
let chart = null;

/** The most recently used pairs, grouped by issue type, best first within each. */
function rows(stats) {
  return [...stats]
    .sort((a, b) => (b.last_used ?? 0) - (a.last_used ?? 0))
    .slice(0, MAX_ROWS)
    .sort((a, b) => a.issue_type.localeCompare(b.issue_type) || b.posterior_mean - a.posterior_mean);
}

function chartConfig(shown) {
  return {
    type: 'bar',
    data: {
      labels: shown.map((s) => `${s.strategy} · ${s.issue_type} (${s.successes}/${s.attempts})`),
      datasets: [
        {
          type: 'bar', label: '90% credible interval', data: shown.map((s) => s.credible_interval_90),
          backgroundColor: 'rgba(37, 99, 235, 0.22)', borderColor: 'rgba(37, 99, 235, 0.8)', borderWidth: 1, borderSkipped: false, barPercentage: 0.55,
        },
        {
          type: 'line', label: 'posterior mean', data: shown.map((s) => s.posterior_mean), showLine: false,
          pointStyle: 'rectRot', pointRadius: 7, pointHoverRadius: 9, backgroundColor: '#1e3a8a', borderColor: '#fff', borderWidth: 1.5,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { min: 0, max: 1, title: { display: true, text: 'success probability' }, ticks: { callback: (v) => `${Math.round(v * 100)}%` } },
        y: { ticks: { autoSkip: false } },
      },
      plugins: {
        legend: { position: 'bottom', labels: { usePointStyle: true } },
        tooltip: {
          callbacks: {
            label: (item) => {
              const s = shown[item.dataIndex];
              return item.datasetIndex === 0
                ? `90% interval ${num(s.credible_interval_90[0])}–${num(s.credible_interval_90[1])}`
                : `mean ${num(s.posterior_mean)} · ${s.successes}/${s.attempts} succeeded · chosen ${s.chosen_count}×`;
            },
          },
        },
      },
    },
  };
}

async function renderLearning() {
  const { stats } = await api('/api/self_healing/learning');
  const shown = rows(stats);
  const note = byId('learning-empty');
  note.hidden = shown.length > 0;
  note.textContent = 'No applied heals recorded yet: the learner starts from its prior.';
  const box = byId('learning-chart').parentElement;
  box.hidden = shown.length === 0;
  box.style.height = `${90 + shown.length * 30}px`;
  box.dataset.rows = String(shown.length);
  if (chart) chart.destroy();
  chart = shown.length ? new Chart(byId('learning-chart'), chartConfig(shown)) : null;
}

async function renderStrategies() {
  const { strategies } = await api('/api/self_healing/strategies');
  byId('strategy-table').tBodies[0].replaceChildren(
    ...strategies.map((s) =>
      el('tr', { dataset: { strategy: s.name } },
        el('td', {}, el('code', {}, s.name)), el('td', {}, s.risk), el('td', {}, s.requires_approval ? 'required' : 'no'),
        el('td', {}, String(s.blast_radius)), el('td', {}, `${s.cooldown_seconds} s`), el('td', {}, s.description))),
  );
}

function showError(err) {
  const note = byId('learning-empty');
  note.hidden = false;
  note.textContent = `Could not load the learning figures: ${err.message}`;
}

const refresh = throttle(() => renderLearning().catch(showError), 1000);

export const learningView = {
  async start() {
    await Promise.all([renderLearning(), renderStrategies()]);
  },
  /** An applied heal finished: its outcome moved a posterior. */
  onHealEvent(event) {
    if (event.step === 'completed' && event.data.outcome !== 'planned') refresh();
  },
  refresh,
};
