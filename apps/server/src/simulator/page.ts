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
:root { color-scheme: light dark; --bezel: #1f2329; --screen: #fbfbfd; --ink: #1b1b1b; --muted: #555; --ring: #c25e00; --live: #137333; --key: #e9ebef; }
@media (prefers-color-scheme: dark) { :root { --screen: #15181d; --ink: #eceff3; --muted: #b4bac3; --ring: #ffab5e; --live: #7fd88f; --key: #2a2f37; } }
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 64rem; padding: 1rem; color: var(--ink); background: Canvas; }
header p { color: var(--muted); }
main { display: grid; grid-template-columns: 1fr 1fr; gap: 2rem; }
form { display: flex; flex-direction: column; gap: .5rem; margin-bottom: 1rem; }
#callers, #phones { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
/* Each caller and each volunteer is drawn as a handset: a dark bezel round a screen. */
.phone { width: 15rem; border: .6rem solid var(--bezel); border-radius: 1.75rem; padding: 1.25rem .85rem 1rem; background: var(--screen); box-shadow: 0 .4rem 1rem #0003; position: relative; }
.phone::before { content: ""; position: absolute; top: .45rem; left: 50%; width: 3rem; height: .3rem; margin-left: -1.5rem; border-radius: .2rem; background: var(--bezel); }
.phone.ringing { border-color: var(--ring); animation: ring 1s ease-in-out infinite alternate; }
.phone.in-progress { border-color: var(--live); }
@keyframes ring { from { box-shadow: 0 0 0 0 #c25e0055; } to { box-shadow: 0 0 0 .6rem #c25e0000; } }
@media (prefers-reduced-motion: reduce) { .phone.ringing { animation: none; } }
.phone h3 { margin: 0 0 .25rem; font-size: 1rem; text-align: center; }
.phone > p { text-align: center; margin: .25rem 0; }
.heard { font-size: .85rem; margin: .25rem 0; padding-left: 1rem; max-height: 8rem; overflow-y: auto; }
.errors { color: #c00; font-size: .8rem; }
.phone > button { display: block; width: 100%; margin: .4rem 0 0; padding: .55rem; border-radius: 1.5rem; border: 0; font-weight: 600; color: #fff; background: var(--live); cursor: pointer; }
.phone > button:last-child { background: #c5221f; }
.keypad { margin-top: .5rem; }
.keys { display: grid; grid-template-columns: repeat(3, 1fr); gap: .4rem; justify-items: center; }
.keys button { width: 3.1rem; height: 3.1rem; border-radius: 50%; border: 0; background: var(--key); color: var(--ink); font-size: 1.25rem; cursor: pointer; }
.keys button:active { filter: brightness(.85); }
.key-field { flex-direction: row; margin: .5rem 0 0; }
.key-field input { flex: 1; min-width: 0; }
button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
#error { color: #c00; grid-column: 1 / -1; }
@media (max-width: 40rem) { main { grid-template-columns: 1fr; } .phone { width: 100%; box-sizing: border-box; } }
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

/** A phone's keypad: each key is pressed at once, as on a handset; the field sends several. */
function keypad(sid) {
  const keys = el('div', { class: 'keys', role: 'group', 'aria-label': 'Keypad' });
  for (const key of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'])
    keys.append(el('button', { type: 'button', onclick: () => act(() => api('POST', '/phones/' + sid + '/digits', { digits: key })) }, key));
  const form = el('form', { class: 'key-field' });
  const input = el('input', { 'aria-label': 'Keys to press', size: '6', inputmode: 'numeric' });
  form.append(input, el('button', { type: 'submit' }, 'Press keys'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    act(() => api('POST', '/phones/' + sid + '/digits', { digits: input.value }));
  });
  const pad = el('div', { class: 'keypad' });
  pad.append(keys, form);
  return pad;
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

function connectAudio(sid) {
  startCallerAudio(sid).catch((error) => {
    $('error').textContent = 'Audio: ' + error.message;
    stopCallerAudio(sid);
  });
}

$('call-form').addEventListener('submit', (event) => {
  event.preventDefault();
  act(async () => {
    const { sid } = await api('POST', '/calls', { from: $('from').value.trim(), to: $('to').value || undefined });
    connectAudio(sid);
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
