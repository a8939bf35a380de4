/**
 * Browser audio on the simulated carrier: the WebRTC signalling between a caller's phone (the
 * simulator page) and the volunteer who answered in the browser. The server only passes two
 * session descriptions along; the audio goes from browser to browser.
 *
 * One offer (the caller's, posted when the page places the call) and one answer (the winning
 * volunteer's) per caller phone, kept in this process's memory with the rest of the simulated
 * network and forgotten when the phone's call ends. Who may read the offer is decided by the
 * carrier (only the browser it bridged the caller to) and, before that, by the call router
 * (only the volunteer who won the compare-and-set).
 */

interface CallerAudio {
  offer: string | null;
  answer: string | null;
  /** The volunteer put the caller on hold: the caller's page plays hold music and stops sending its microphone. */
  held: boolean;
  /** Counts the caller's audio connections: a transfer starts the next, and the page offers again. */
  round: number;
}

/** How long one wait may last: long enough to save requests, short enough for proxies' idle limits. */
export const MAX_SIGNAL_WAIT_MS = 25_000;
/** Phones whose signalling is kept at most (a page posting offers for thousands of calls cannot grow it). */
const MAX_PHONES = 500;

export class CallerAudioSignals {
  private readonly phones = new Map<string, CallerAudio>();
  private readonly waiters = new Set<() => void>();
  private closed = false;

  /** The caller's page posts its offer once; a second one for the same phone is refused. */
  setOffer(sid: string, sdp: string): boolean {
    const current = this.phones.get(sid);
    if (current?.offer) return false;
    if (!current && this.phones.size >= MAX_PHONES) {
      const oldest = this.phones.keys().next().value;
      if (oldest !== undefined) this.phones.delete(oldest);
    }
    this.phones.set(sid, { offer: sdp, answer: null, held: false, round: current?.round ?? 0 });
    this.wake();
    return true;
  }

  offerOf(sid: string): string | null {
    return this.phones.get(sid)?.offer ?? null;
  }

  answerOf(sid: string): string | null {
    return this.phones.get(sid)?.answer ?? null;
  }

  /** The winning volunteer's answer, once: a second answer (another tab, a replay) is refused. */
  setAnswer(sid: string, sdp: string): boolean {
    const current = this.phones.get(sid);
    if (!current?.offer || current.answer) return false;
    current.answer = sdp;
    this.wake();
    return true;
  }

  roundOf(sid: string): number {
    return this.phones.get(sid)?.round ?? 0;
  }

  /**
   * A transfer: the offer and answer are spent and the caller's page offers again (the next
   * round), for the browser the carrier bridges it to now. Null when the phone has no audio.
   */
  restart(sid: string): number | null {
    const current = this.phones.get(sid);
    if (!current?.offer) return null;
    const next = { offer: null, answer: null, held: false, round: current.round + 1 };
    this.phones.set(sid, next);
    this.wake();
    return next.round;
  }

  heldOf(sid: string): boolean {
    return this.phones.get(sid)?.held ?? false;
  }

  /** Hold on or off for a phone with browser audio; null when it has none (no offer). */
  setHeld(sid: string, held: boolean): { changed: boolean } | null {
    const current = this.phones.get(sid);
    if (!current?.offer) return null;
    const changed = current.held !== held;
    current.held = held;
    return { changed };
  }

  /** The call ended: nothing of its signalling is kept. */
  forget(sid: string): void {
    if (this.phones.delete(sid)) this.wake();
  }

  /** Something changed (an offer, an answer, a call's end): every waiter re-checks. */
  wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /**
   * Resolves with `check()`'s first non-null value, re-checked on every change, or null after
   * `timeoutMs`. `check` also sees changes the signals are not told of (a phone's end), at the
   * latest on the next change or the time-out.
   */
  async waitFor<T>(check: () => T | null, timeoutMs: number): Promise<T | null> {
    const now = check();
    if (now !== null || this.closed) return now;
    return new Promise<T | null>((resolve) => {
      const done = (value: T | null) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(value);
      };
      const waiter = () => {
        if (this.closed) return done(null);
        const value = check();
        if (value !== null) done(value);
      };
      const timer = setTimeout(() => done(check()), Math.min(timeoutMs, MAX_SIGNAL_WAIT_MS));
      timer.unref?.();
      this.waiters.add(waiter);
    });
  }

  /** Ends every wait at once (the carrier closes). */
  close(): void {
    this.closed = true;
    this.phones.clear();
    this.wake();
  }
}

/** What the carrier shows of a caller phone to its signalling: enough to tell who it talks to and whether it ended. */
export interface SignalledPhone {
  role: 'caller' | 'leg';
  bridgedTo: string | null;
  ended: boolean;
}

/** The bridge a volunteer who answered in the browser is on (carrier.connectBrowser writes it). */
export const browserBridge = (userId: string): string => `browser:${userId}`;
