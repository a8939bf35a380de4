/**
 * The talk before a warm transfer, kept in this process's memory (docs/CALLS.md, "Warm
 * transfer"): per call, who asks whom, and the two session descriptions of their
 * browser-to-browser connection. Session descriptions carry network addresses, so like the
 * caller's they are never logged, stored or published, and they are forgotten with the consult.
 */

export type ConsultState = 'asking' | 'talking' | 'declined';

export interface Consult {
  callId: string;
  /** The member on the call, who asked. */
  from: string;
  /** The colleague asked to take it. */
  to: string;
  state: ConsultState;
  offer: string;
  answer: string | null;
}

/** Consults kept at most: one per live call, so a bound far above any hotline's calls at once. */
const MAX_CONSULTS = 500;

export class ConsultSignals {
  private readonly consults = new Map<string, Consult>();

  of(callId: string): Consult | null {
    return this.consults.get(callId) ?? null;
  }

  /** The consults asking `userId` now. */
  asking(userId: string): Consult[] {
    return [...this.consults.values()].filter((c) => c.to === userId && c.state === 'asking');
  }

  /** Starts a consult; refused while one for the call is asking or talking (a declined one is replaced). */
  start(consult: Omit<Consult, 'state' | 'answer'>): boolean {
    const current = this.consults.get(consult.callId);
    if (current && current.state !== 'declined') return false;
    if (!current && this.consults.size >= MAX_CONSULTS) {
      const oldest = this.consults.keys().next().value;
      if (oldest !== undefined) this.consults.delete(oldest);
    }
    this.consults.set(consult.callId, { ...consult, state: 'asking', answer: null });
    return true;
  }

  /**
   * The colleague's answer, once: the compare-and-set on the consult's state (two tabs of the
   * colleague accepting at once, an accept after a decline or a cancel, get false).
   */
  accept(callId: string, userId: string, sdp: string): boolean {
    const current = this.consults.get(callId);
    if (!current || current.to !== userId || current.state !== 'asking') return false;
    current.state = 'talking';
    current.answer = sdp;
    return true;
  }

  decline(callId: string, userId: string): boolean {
    const current = this.consults.get(callId);
    if (!current || current.to !== userId || current.state !== 'asking') return false;
    current.state = 'declined';
    return true;
  }

  /** Ends the consult of `callId` (handed over, cancelled, the call ended); what it was, or null. */
  forget(callId: string): Consult | null {
    const current = this.consults.get(callId) ?? null;
    this.consults.delete(callId);
    return current;
  }
}
