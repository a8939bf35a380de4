import type { Context } from 'hono';
import { CALLER_AUDIO_SCRIPT } from './caller-audio-page.js';
/**
 * The simulator page: a static document, its script and its styles, served from
 * /api/simulator (CSP allows scripts and styles from 'self' only, so nothing is inline).
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Llamenos — simulated phone network</title>
<link rel="stylesheet" href="/api/simulator/app.css">
<script type="module" src="/api/simulator/app.js"></script>
<link rel="stylesheet" href="/api/simulator/texting.css">
<script type="module" src="/api/simulator/texting.js"></script>
</head>
<body>
<header>
  <h1>Simulated phone network</h1>
  <p>Development only. Calls placed here reach this hotline through signed Twilio-format webhooks; volunteers' phones ring below.</p>
</header>
<main>
  <section aria-labelledby="caller-heading">
    <h2 id="caller-heading">Caller</h2>
    <form id="call-form">
      <label>Your (fake) number <input id="from" name="from" value="+15550142" required pattern="\\+[1-9][0-9]{7,14}"></label>
      <label>Hotline number <select id="to" name="to"></select></label>
      <button type="submit">Call the hotline</button>
      <small>Your microphone goes to the volunteer who answers in the browser; use a headset.</small>
    </form>
    <div id="callers" aria-live="polite"></div>
  </section>
  <section aria-labelledby="phones-heading">
    <h2 id="phones-heading">Volunteers' phones</h2>
    <div id="phones" aria-live="polite"><p>No phone is ringing.</p></div>
  </section>
  <section id="texting" aria-labelledby="texting-heading"></section>
  <p id="error" role="alert"></p>
</main>
</body>
</html>
`;

export const PAGE_CSS = `
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; color: #1b1b1b; }
header p { color: #555; }
main { display: grid; grid-template-columns: 1fr 1fr; gap: 2rem; }
form { display: flex; flex-direction: column; gap: .5rem; margin-bottom: 1rem; }
.phone { border: 1px solid #bbb; border-radius: .5rem; padding: .75rem; margin-bottom: .75rem; }
.phone.ringing { border-color: #c60; background: #fff6ec; }
.phone.in-progress { border-color: #070; background: #f1fbf1; }
.phone h3 { margin: 0 0 .25rem; font-size: 1rem; }
.heard { font-size: .85rem; color: #333; margin: .25rem 0; padding-left: 1rem; }
.errors { color: #a00; font-size: .8rem; }
button { margin-right: .5rem; }
#error { color: #a00; grid-column: 1 / -1; }
@media (max-width: 40rem) { main { grid-template-columns: 1fr; } }
`;

/**
 * What both of the page's scripts (calls here, texting in texting-page.ts) start with: a call to
 * the simulator's API that throws its error message, and a DOM builder (`onclick` attaches a
 * listener, anything else is an attribute). Each script is its own module, so each gets a copy.
 */
export const SCRIPT_HELPERS = `async function api(method, path, body) {
  const response = await fetch('/api/simulator' + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((data.error && data.error.message) || 'HTTP ' + response.status);
  return data;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'onclick') node.addEventListener('click', v);
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}
`;

export const PAGE_SCRIPT = `
const $ = (id) => document.getElementById(id);
const LIVE = new Set(['queued', 'ringing', 'in-progress']);

${SCRIPT_HELPERS}
${CALLER_AUDIO_SCRIPT}
function act(work) {
  $('error').textContent = '';
  work().then(refresh, (error) => { $('error').textContent = error.message; });
}

function keypad(sid) {
  const form = el('form', {});
  const input = el('input', { 'aria-label': 'Keys to press', size: '6', inputmode: 'numeric' });
  form.append(input, el('button', { type: 'submit' }, 'Press keys'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    act(() => api('POST', '/phones/' + sid + '/digits', { digits: input.value }));
  });
  return form;
}

function phoneCard(p, title) {
  const card = el('article', { class: 'phone ' + p.status });
  // Names and spoken text are people's words: each keeps its own direction (a right-to-left
  // name or a U+202E cannot reorder the card).
  card.append(el('h3', { dir: 'auto' }, title), el('p', {}, 'Status: ' + p.status + (p.connected ? ' (connected)' : '')));
  const heard = el('ul', { class: 'heard' });
  for (const line of p.heard) heard.append(el('li', { dir: 'auto' }, line));
  card.append(heard);
  if (p.errors.length) card.append(el('p', { class: 'errors' }, p.errors.join('; ')));
  return card;
}

function render(state) {
  const select = $('to');
  if (select.options.length !== state.hotlineNumbers.length) {
    select.replaceChildren(...state.hotlineNumbers.map((n) => el('option', { value: n }, n)));
  }
  const callers = $('callers');
  callers.replaceChildren(...state.callers.map((p) => {
    const card = phoneCard(p, 'Call from …' + p.fromLast4);
    const audio = callerAudioState(p.sid);
    if (audio) card.append(el('p', { class: 'audio', 'data-testid': 'caller-audio' }, 'Audio: ' + audio));
    if (p.waitingForKeys) card.append(keypad(p.sid));
    if (LIVE.has(p.status)) card.append(el('button', { onclick: () => act(() => api('POST', '/phones/' + p.sid + '/hangup')) }, 'Hang up'));
    return card;
  }));
  syncCallerAudio(state.callers);
  const phones = $('phones');
  if (!state.phones.length) { phones.replaceChildren(el('p', {}, 'No phone is ringing.')); return; }
  phones.replaceChildren(...state.phones.map((p) => {
    const card = phoneCard(p, p.volunteer);
    if (p.status === 'ringing' || p.status === 'queued')
      card.append(el('button', { onclick: () => act(() => api('POST', '/phones/' + p.sid + '/answer')) }, 'Answer (press 1)'));
    if (p.waitingForKeys) card.append(keypad(p.sid));
    if (LIVE.has(p.status)) card.append(el('button', { onclick: () => act(() => api('POST', '/phones/' + p.sid + '/hangup')) }, 'Hang up'));
    return card;
  }));
}

async function refresh() {
  try { render(await api('GET', '/state')); } catch (error) { $('error').textContent = error.message; }
}

$('call-form').addEventListener('submit', (event) => {
  event.preventDefault();
  act(async () => {
    const { sid } = await api('POST', '/calls', { from: $('from').value.trim(), to: $('to').value || undefined });
    startCallerAudio(sid).catch((error) => {
      $('error').textContent = 'Audio: ' + error.message;
      stopCallerAudio(sid);
    });
  });
});
refresh();
setInterval(refresh, 1000);
`;

/** One of the page's files as GET answers it: never cached, since the page changes with the server. */
export const pageFile =
  (body: string, type: 'text/javascript' | 'text/css') =>
  (c: Context): Response =>
    c.body(body, 200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-cache' });
