/**
 * The call queue's rule (an ACD, like a contact centre's router): who is offered which waiting
 * call. Pure: ringing.ts reads the state under the queue lock, asks this, and writes the answer.
 *
 * - A volunteer rings for at most one call at a time.
 * - Waiting calls are served longest-waiting first (oldest `createdAt`).
 * - First, every waiting call with nobody ringing gets one volunteer, oldest call first: a free
 *   one if there is any, otherwise one taken from the call with the most volunteers ringing
 *   (when it has at least two, and the volunteer has not picked up to hear "press 1"). So no
 *   caller waits with nobody ringing while another rings many phones.
 * - Then every free volunteer left goes to the waiting call with the fewest volunteers ringing
 *   (the oldest on a tie). With one call and fifty volunteers, all fifty ring (parallel ring);
 *   with more calls than volunteers, the oldest calls ring one volunteer each and the others wait.
 * - A volunteer is never offered a call they already refused or missed (busy, no answer, hung
 *   up at "press 1", or their leg failed), nor one they cannot be reached for.
 */

export interface WaitingCall {
  id: string;
}

/** What a volunteer is doing now: ringing for `callId` (`stealable` until they pick up), or free. */
export interface Ringing {
  callId: string;
  /** False once any of their legs for it picked up (hearing "press 1"): that is not taken away. */
  stealable: boolean;
}

export interface QueueState {
  /** Waiting calls, longest-waiting first. */
  waiting: readonly WaitingCall[];
  /** Volunteers who may be rung now (on shift or fallback, active, not on break, not on a call), in preference order. */
  volunteers: readonly string[];
  /** The volunteers with a live leg, and for which call. */
  ringing: ReadonlyMap<string, Ringing>;
  /** False when `userId` may not be offered `callId` (refused it before, or no way to reach them for it). */
  mayOffer(callId: string, userId: string): boolean;
}

export interface Offer {
  callId: string;
  userId: string;
  /** The call the volunteer is taken from (their legs there are cancelled first), if any. */
  takenFrom?: string;
}

export function allocate(state: QueueState): Offer[] {
  const count = new Map<string, number>(state.waiting.map((c) => [c.id, 0]));
  const holders = new Map<string, string[]>(state.waiting.map((c) => [c.id, []]));
  for (const [userId, r] of state.ringing) {
    if (!count.has(r.callId)) continue;
    count.set(r.callId, count.get(r.callId)! + 1);
    if (r.stealable) holders.get(r.callId)!.push(userId);
  }
  const free = state.volunteers.filter((u) => !state.ringing.has(u));
  const offers: Offer[] = [];
  const give = (callId: string, userId: string, takenFrom?: string) => {
    offers.push(takenFrom ? { callId, userId, takenFrom } : { callId, userId });
    count.set(callId, count.get(callId)! + 1);
    if (takenFrom) count.set(takenFrom, count.get(takenFrom)! - 1);
  };

  // 1. Nobody left ringing alone: each silent call, oldest first, gets one volunteer.
  for (const call of state.waiting) {
    if (count.get(call.id)! > 0) continue;
    const i = free.findIndex((u) => state.mayOffer(call.id, u));
    if (i >= 0) {
      give(call.id, free.splice(i, 1)[0]!);
      continue;
    }
    const taken = takeFromBusiest(state, count, holders, call.id);
    if (taken) give(call.id, taken.userId, taken.from);
  }

  // 2. The rest spread: each free volunteer to the call with the fewest ringing, oldest on a tie.
  for (const userId of free) {
    let best: string | null = null;
    for (const call of state.waiting) {
      if (!state.mayOffer(call.id, userId)) continue;
      if (best === null || count.get(call.id)! < count.get(best)!) best = call.id;
    }
    if (best) give(best, userId);
  }
  return offers;
}

/**
 * A volunteer not yet picked up, taken for `callId` from the call with the most volunteers
 * ringing (at least two, so it keeps one); among equals the youngest call gives.
 */
function takeFromBusiest(
  state: QueueState,
  count: Map<string, number>,
  holders: Map<string, string[]>,
  callId: string,
): { userId: string; from: string } | null {
  let best: { userId: string; from: string } | null = null;
  let bestCount = 1;
  for (let i = state.waiting.length - 1; i >= 0; i--) {
    const donor = state.waiting[i]!.id;
    if (donor === callId || count.get(donor)! <= bestCount) continue;
    const userId = holders.get(donor)!.find((u) => state.mayOffer(callId, u));
    if (!userId) continue;
    best = { userId, from: donor };
    bestCount = count.get(donor)!;
  }
  if (best) {
    const list = holders.get(best.from)!;
    list.splice(list.indexOf(best.userId), 1);
  }
  return best;
}
