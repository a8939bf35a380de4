/**
 * Silent supervision's signalling, kept in this process's memory (docs/CALLS.md, "Silent
 * supervision"): per call, the admin listening, their receive-only offer and the volunteer's
 * browser's answer. Session descriptions carry network addresses: never logged, stored or
 * published, and forgotten when the listening stops or the call ends.
 */

export interface Supervision {
  callId: string;
  /** The admin listening. */
  supervisor: string;
  /** The volunteer on the call when the listening began (a transfer ends it). */
  volunteer: string;
  offer: string;
  answer: string | null;
  /**
   * Listening through the provider instead (Asterisk: a snoop channel bridged to the admin's
   * browser phone): the admin's leg there; `offer` is then empty and no answer comes.
   */
  listenerLegId?: string;
}

/** At most one listener per live call; the bound only keeps a flood from growing memory. */
const MAX_SUPERVISIONS = 500;

export class SupervisionSignals {
  private readonly supervisions = new Map<string, Supervision>();

  of(callId: string): Supervision | null {
    return this.supervisions.get(callId) ?? null;
  }

  /** One admin listens to a call at a time: false when someone already does. */
  start(supervision: Omit<Supervision, 'answer'>): boolean {
    if (this.supervisions.has(supervision.callId)) return false;
    if (this.supervisions.size >= MAX_SUPERVISIONS) return false;
    this.supervisions.set(supervision.callId, { ...supervision, answer: null });
    return true;
  }

  /** The volunteer's browser answers once; a second answer (another tab) is refused. */
  answer(callId: string, volunteer: string, sdp: string): boolean {
    const current = this.supervisions.get(callId);
    if (!current || current.volunteer !== volunteer || current.answer) return false;
    current.answer = sdp;
    return true;
  }

  /** The admin's leg at the provider, once their browser phone picked up (listening through the provider). */
  listeningOn(callId: string, supervisor: string, legId: string): boolean {
    const current = this.supervisions.get(callId);
    if (!current || current.supervisor !== supervisor) return false;
    current.listenerLegId = legId;
    return true;
  }

  forget(callId: string): Supervision | null {
    const current = this.supervisions.get(callId) ?? null;
    this.supervisions.delete(callId);
    return current;
  }
}
