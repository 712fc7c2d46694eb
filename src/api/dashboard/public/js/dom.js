// Small DOM helpers. Text always goes in as text (never as HTML), so data from the API cannot inject markup.

/** el('td', { class: 'x', dataset: { step: 'planned' }, onclick: fn }, 'text', childNode) */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function byId(id) {
  return document.getElementById(id);
}

/** 14:03:27 in the browser's time zone. */
export function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour12: false });
}

/** Calls fn at most once per `ms`, always after the latest call: a stream of events redraws steadily, not endlessly late. */
export function throttle(fn, ms) {
  let last = 0;
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      last = Date.now();
      fn();
    }, Math.max(0, last + ms - Date.now()));
  };
}

/** A number with about 4 significant digits, without exponent noise for ordinary values. */
export function num(value) {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/** "1 anomaly", "3 anomalies". */
export function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

/** A status word as a coloured badge: ok outcomes green, waiting amber, failures red. */
export function badge(text) {
  const word = String(text ?? 'unknown');
  const tone = /verified|planned|ok|approved/.test(word)
    ? 'good'
    : /running|awaiting|executing|verifying|planning|compensating/.test(word)
      ? 'busy'
      : /recovered_before_action|info|skipped/.test(word)
        ? 'neutral'
        : 'bad';
  return el('span', { class: `badge ${tone}` }, word.replaceAll('_', ' '));
}
