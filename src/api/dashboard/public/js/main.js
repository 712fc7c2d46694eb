// The dashboard's entry point: sign-in with a token, then the four views fed by the REST API and one Socket.IO
// connection subscribed to every event.
import { api, session } from './api.js';
import { autopilotView } from './autopilot-view.js';
import { byId } from './dom.js';
import { healsView } from './heals-view.js';
import { learningView } from './learning-view.js';
import { metricsView } from './metrics-view.js';

let socket = null;

function showLogin(message = '') {
  socket?.close();
  socket = null;
  byId('dashboard').hidden = true;
  byId('session').hidden = true;
  byId('login').hidden = false;
  byId('login-error').textContent = message;
}

function setLive(state, text) {
  const live = byId('live');
  live.className = `live ${state}`;
  live.textContent = text;
}

/** One connection for everything; the token goes in the handshake. Re-subscribes and catches up after reconnects. */
function connect(token) {
  socket = io({ path: '/socket.io', transports: ['websocket'], auth: { token } });
  let connectedBefore = false;
  socket.on('connect', () => {
    socket.emit('subscribe', { all: true }, (reply) => {
      if (!reply?.ok) return setLive('off', 'subscription refused');
      setLive('on', 'live');
      if (connectedBefore) {
        metricsView.refresh();
        learningView.refresh();
        autopilotView.refresh().catch(() => undefined);
      }
      connectedBefore = true;
    });
  });
  socket.on('disconnect', () => setLive('off', 'reconnecting…'));
  socket.on('connect_error', (err) => setLive('off', err.message === 'unauthorized' ? 'token refused' : 'offline'));
  socket.on('self_healing:analyze', (event) => {
    metricsView.onAnalyze(event);
    autopilotView.onEvent();
  });
  socket.on('self_healing:heal', (event) => {
    healsView.onHealEvent(event);
    learningView.onHealEvent(event);
    autopilotView.onEvent();
  });
}

async function showDashboard() {
  const claims = session.claims();
  byId('whoami').textContent = `${claims.sub ?? '?'} · ${claims.role ?? '?'}`;
  byId('login').hidden = true;
  byId('session').hidden = false;
  byId('dashboard').hidden = false;
  connect(session.token);
  await Promise.all([metricsView.start(), healsView.start(), learningView.start(), autopilotView.start()]);
}

byId('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = byId('token-input').value.trim();
  try {
    // Any viewer read proves the token before it is kept.
    await api('/api/self_healing/strategies', { token });
  } catch (err) {
    byId('login-error').textContent = `Sign-in failed: ${err.message}`;
    return;
  }
  session.signIn(token);
  byId('token-input').value = '';
  await showDashboard();
});

byId('sign-out').addEventListener('click', () => {
  session.signOut();
  showLogin();
});

session.onUnauthorized((message) => {
  session.signOut();
  showLogin(`Signed out: ${message}`);
});

if (session.token) showDashboard().catch((err) => showLogin(err.message));
else showLogin();
