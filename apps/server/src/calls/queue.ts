/**
 * The call queue's rule (an ACD, like a contact centre's router): who is offered which waiting
 * call. Pure: ringing.ts reads the state under the queue lock, asks this, and writes the answer.
 *
 * - A volunteer rings for at most one call at a time, and keeps ringing for it until it is
 *   answered, ends, or they refuse it: nobody is moved to another call mid-ring (their pick-up
 *   may be on its way to us, and they would be told the call was gone).
 * - Waiting calls are served longest-waiting first (oldest `createdAt`).
 * - First, every waiting call with nobody ringing gets one free volunteer, oldest call first.
 *   With more calls than volunteers, the oldest calls ring one volunteer each and the others
 *   wait for the next volunteer freed (all of a call's volunteers are freed when it is answered).
 * - Then the free volunteers left spread: each to the waiting call with the fewest volunteers
 *   ringing (the oldest on a tie), up to a share per call: ceil(volunteers / (waiting calls + 1)),
 *   but never less than 10 (or all of them, if fewer); and while more than 10 volunteers per
 *   waiting call remain, that next share stays free for the next caller (the reserve), since a
 *   volunteer is never moved mid-ring: a reserve spent on the calls already ringing would leave
 *   the next caller of a burst waiting with nobody ringing. One call and 50 volunteers: 25 ring
 *   and 25 are kept; a second call while it rings gets 8 and 17 are kept; one call and up to 10
 *   volunteers (most lines): all of them ring.
 * - A volunteer is never offered a call they already refused or missed (busy, no answer, hung
 *   up at "press 1", or their leg failed), nor one they cannot be reached for.
 */

/** A call may ring at least this many volunteers (or all, if fewer): parallel ring as before on small lines. */
export const MIN_PARALLEL_RING = 10;

export interface WaitingCall {
  id: string;
}

export interface QueueState {
  /** Waiting calls, longest-waiting first. */
  waiting: readonly WaitingCall[];
  /** Volunteers who may be rung (on shift or fallback, active, not on break, not on a call), free or ringing, in preference order. */
  volunteers: readonly string[];
  /** The volunteers with a live leg, and the call it is for. */
  ringing: ReadonlyMap<string, string>;
  /** False when `userId` may not be offered `callId` (refused it before, or no way to reach them for it). */
  mayOffer(callId: string, userId: string): boolean;
}

export interface Offer {
  callId: string;
  userId: string;
}

export function allocate(state: QueueState): Offer[] {
  const count = new Map<string, number>(state.waiting.map((c) => [c.id, 0]));
  for (const callId of state.ringing.values())
    if (count.has(callId)) count.set(callId, count.get(callId)! + 1);
  const free = state.volunteers.filter((u) => !state.ringing.has(u));
  const offers: Offer[] = [];
  const give = (callId: string, userId: string) => {
    offers.push({ callId, userId });
    count.set(callId, count.get(callId)! + 1);
  };

  // 1. Nobody left ringing alone: each silent call, oldest first, gets one free volunteer.
  for (const call of state.waiting) {
    if (count.get(call.id)! > 0) continue;
    const i = free.findIndex((u) => state.mayOffer(call.id, u));
    if (i >= 0) give(call.id, free.splice(i, 1)[0]!);
  }

  // 2. The rest spread: each to the call with the fewest ringing (oldest on a tie), up to a share,
  // keeping the next caller's share free while the line has more than the minimum per call.
  const all = state.volunteers.length;
  const waiting = state.waiting.length;
  const share = Math.max(Math.min(all, MIN_PARALLEL_RING), Math.ceil(all / (waiting + 1)));
  const reserve = Math.max(0, Math.min(Math.ceil(all / (waiting + 1)), all - MIN_PARALLEL_RING * waiting));
  let spare = free.length - reserve;
  for (const userId of free) {
    if (spare <= 0) break;
    let best: string | null = null;
    for (const call of state.waiting) {
      const n = count.get(call.id)!;
      if (n >= share || !state.mayOffer(call.id, userId)) continue;
      if (best === null || n < count.get(best)!) best = call.id;
    }
    if (best) {
      give(best, userId);
      spare -= 1;
    }
  }
  return offers;
}
