/**
 * The ringtone: a short two-tone beep made with the Web Audio API (no audio files), repeated
 * while a call rings. Browsers refuse sound before the person has interacted with the page, so
 * it starts only after a user gesture, and never while muted (a choice kept on this device).
 */

const MUTE_KEY = 'llamenos.ringtoneMuted';
const BEEP_EVERY_MS = 2500;

let context: AudioContext | null = null;
let timer: ReturnType<typeof setInterval> | null = null;
let gestured = false;
const listeners = new Set<() => void>();

function hadGesture(): boolean {
  if (gestured) return true;
  const activation = (navigator as Navigator & { userActivation?: { hasBeenActive: boolean } })
    .userActivation;
  return Boolean(activation?.hasBeenActive);
}

if (typeof window !== 'undefined') {
  const mark = () => {
    gestured = true;
    window.removeEventListener('pointerdown', mark, true);
    window.removeEventListener('keydown', mark, true);
  };
  window.addEventListener('pointerdown', mark, true);
  window.addEventListener('keydown', mark, true);
}

export function isRingtoneMuted(): boolean {
  try {
    return localStorage.getItem(MUTE_KEY) === '1';
  } catch {
    return false;
  }
}

export function setRingtoneMuted(muted: boolean): void {
  try {
    if (muted) localStorage.setItem(MUTE_KEY, '1');
    else localStorage.removeItem(MUTE_KEY);
  } catch {
    // storage unavailable: the choice lasts for this page only
  }
  if (muted) stopRingtone();
  for (const l of [...listeners]) l();
}

export function onRingtoneMuteChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function beep(ctx: AudioContext): void {
  const now = ctx.currentTime;
  for (const [frequency, offset] of [
    [880, 0],
    [660, 0.25],
  ] as const) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, now + offset);
    gain.gain.exponentialRampToValueAtTime(0.2, now + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.22);
    osc.connect(gain).connect(ctx.destination);
    osc.start(now + offset);
    osc.stop(now + offset + 0.24);
  }
}

/** Starts ringing (no-op when muted, already ringing, or before any user gesture). */
export function startRingtone(): void {
  if (timer || isRingtoneMuted() || !hadGesture()) return;
  try {
    context ??= new AudioContext();
    const ctx = context;
    if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
    beep(ctx);
    timer = setInterval(() => beep(ctx), BEEP_EVERY_MS);
  } catch {
    // no audio output: the card and the notification still show the call
  }
}

export function stopRingtone(): void {
  if (timer) clearInterval(timer);
  timer = null;
}

export const isRinging = (): boolean => timer !== null;

/** One beep of the ringtone, for an alert (the admins' queue board); the same rules: not muted, after a gesture. */
export function beepOnce(): void {
  if (isRingtoneMuted() || !hadGesture()) return;
  try {
    context ??= new AudioContext();
    if (context.state === 'suspended') void context.resume().catch(() => undefined);
    beep(context);
  } catch {
    // no audio output: the alert on the page still shows
  }
}
