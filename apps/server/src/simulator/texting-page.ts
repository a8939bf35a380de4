import { SCRIPT_HELPERS } from './page.js';

/**
 * The simulator page's texting panel: its script and styles, served as files (CSP allows
 * scripts and styles from 'self' only). The page holds an empty <section id="texting">.
 */
export const TEXTING_CSS = `
#texting { grid-column: 1 / -1; }
#texting form { flex-direction: row; flex-wrap: wrap; align-items: end; }
#texting textarea { min-width: 16rem; }
#threads { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
/* Each contact's thread is a handset's messaging screen, like the calling phones above. */
.thread { width: 19rem; max-width: 100%; box-sizing: border-box; border: .6rem solid var(--bezel, #1f2329); border-radius: 1.75rem; padding: 1.1rem .75rem .9rem; background: var(--screen, #fbfbfd); box-shadow: 0 .4rem 1rem #0003; max-height: 28rem; overflow-y: auto; }
.thread h3 { margin: 0 0 .5rem; font-size: .9rem; text-align: center; }
.bubble { margin: .3rem 0; padding: .45rem .7rem; border-radius: 1rem; max-width: 80%; width: fit-content; white-space: pre-wrap; overflow-wrap: anywhere; }
.bubble.contact { background: #1a73e8; color: #fff; margin-left: auto; border-bottom-right-radius: .25rem; }
.bubble.hotline { background: var(--key, #e9ebef); color: var(--ink, #1b1b1b); border-bottom-left-radius: .25rem; }
.bubble .meta { display: block; font-size: .7rem; opacity: .8; }
.bubble.refused { outline: 2px solid #c5221f; }
`;

export const TEXTING_SCRIPT = `
const root = document.getElementById('texting');

${SCRIPT_HELPERS}
const form = el('form', { id: 'text-form' });
const channel = el('select', { id: 'text-channel', 'aria-label': 'Channel' },
  el('option', { value: 'sms' }, 'SMS'), el('option', { value: 'whatsapp' }, 'WhatsApp'), el('option', { value: 'signal' }, 'Signal'));
const from = el('input', { id: 'text-from', value: '+15550143', required: '', pattern: '\\\\+[1-9][0-9]{7,14}', 'aria-label': 'Your (fake) number' });
const to = el('select', { id: 'text-to', 'aria-label': 'Hotline number' });
const body = el('textarea', { id: 'text-body', required: '', maxlength: '1600', rows: '2', 'aria-label': 'Message', dir: 'auto' });
form.append(
  el('label', {}, 'Channel ', channel),
  el('label', {}, 'Your (fake) number ', from),
  el('label', {}, 'Hotline number ', to),
  el('label', {}, 'Message ', body),
  el('button', { type: 'submit' }, 'Send text'),
);
const threads = el('div', { id: 'threads', 'aria-live': 'polite' });
const error = el('p', { class: 'errors', role: 'alert' });
root.append(el('h2', { id: 'texting-heading' }, 'Texting'), form, error, threads);

let numbers = { sms: [], whatsapp: [], signal: [] };

function renderNumbers() {
  const list = numbers[channel.value] || [];
  if ([...to.options].map((o) => o.value).join() === list.join()) return;
  to.replaceChildren(...list.map((n) => el('option', { value: n }, n)));
}

function render(state) {
  numbers = state.numbers;
  renderNumbers();
  if (!state.threads.length) { threads.replaceChildren(el('p', {}, 'No text yet.')); return; }
  threads.replaceChildren(...state.threads.map((t) => {
    const card = el('article', { class: 'thread' });
    card.append(el('h3', {}, ({ sms: 'SMS', whatsapp: 'WhatsApp', signal: 'Signal' })[t.channel] + ' · ' + t.contact + ' ↔ ' + t.hotline));
    for (const text of t.texts) {
      const who = text.by === 'contact' ? 'You' : 'Hotline';
      const note = text.delivery === 'refused' ? ' · refused by the hotline' : '';
      // People's words keep their own direction.
      const bubble = el('p', { class: 'bubble ' + text.by + (text.delivery === 'refused' ? ' refused' : ''), dir: 'auto' }, text.body);
      bubble.append(el('span', { class: 'meta' }, who + ' · ' + new Date(text.at).toLocaleTimeString() + note));
      card.append(bubble);
    }
    return card;
  }));
}

async function refresh() {
  try { render(await api('GET', '/texts')); error.textContent = ''; } catch (e) { error.textContent = e.message; }
}

channel.addEventListener('change', renderNumbers);
form.addEventListener('submit', (event) => {
  event.preventDefault();
  error.textContent = '';
  api('POST', '/texts', { channel: channel.value, from: from.value.trim(), to: to.value || undefined, body: body.value })
    .then(() => { body.value = ''; return refresh(); }, (e) => { error.textContent = e.message; });
});
refresh();
setInterval(refresh, 1000);
`;
