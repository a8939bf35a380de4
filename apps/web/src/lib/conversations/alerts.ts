import type { ConversationView } from '@llamenos/protocol';
import { isRingtoneMuted } from '../calls/ringtone.js';

/**
 * A new message on one of the member's own conversations: a short chime (never while the
 * ringtone is muted on this device, never before a user gesture) and, when the page is not in
 * front and notifications were allowed, a notification that says only that a message came.
 */

let context: AudioContext | null = null;

function chime(): void {
  if (typeof AudioContext === 'undefined' || isRingtoneMuted()) return;
  const activation = (navigator as Navigator & { userActivation?: { hasBeenActive: boolean } })
    .userActivation;
  if (activation && !activation.hasBeenActive) return;
  try {
    context ??= new AudioContext();
    const ctx = context;
    if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
    const now = ctx.currentTime;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.setValueAtTime(988, now);
    osc.frequency.setValueAtTime(1319, now + 0.09);
    gain.gain.setValueAtTime(0.0001, now);
    gain.gain.exponentialRampToValueAtTime(0.15, now + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.3);
    osc.connect(gain).connect(ctx.destination);
    osc.start(now);
    osc.stop(now + 0.32);
  } catch {
    // no audio output: the badge still shows the message
  }
}

function notify(conversationId: string, title: string, body: string, onClick: () => void): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  if (typeof document !== 'undefined' && document.visibilityState === 'visible' && document.hasFocus())
    return;
  try {
    const n = new Notification(title, { body, tag: `conversation-${conversationId}` });
    n.onclick = () => {
      window.focus();
      onClick();
      n.close();
    };
  } catch {
    // some browsers allow notifications only from a service worker; the badge still shows it
  }
}

/**
 * Compares each reading of the member's own conversations with the one before and calls
 * `onGrown` with every conversation whose unread count went up. The first reading only sets
 * the baseline (what was unread before this page opened was announced then, or is seen now).
 */
export function createUnreadWatcher(onGrown: (grown: ConversationView[]) => void) {
  let seen: Map<string, number> | null = null;
  return (conversations: readonly ConversationView[]): void => {
    const previous = seen;
    seen = new Map(conversations.map((c) => [c.id, c.unread]));
    if (!previous) return;
    const grown = conversations.filter((c) => c.unread > (previous.get(c.id) ?? 0));
    if (grown.length) onGrown(grown);
  };
}

/** The chime once, and a notification per conversation (replacing an earlier one of the same). */
export function alertNewMessages(
  grown: readonly ConversationView[],
  alert: { title: string; body: string; open: (id: string) => void },
): void {
  chime();
  for (const c of grown) notify(c.id, alert.title, alert.body, () => alert.open(c.id));
}
