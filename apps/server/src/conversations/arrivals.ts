/**
 * The texts this process is taking in (an inbound webhook's work, from its start to its answer),
 * and a wait for a moment when it takes in none. Automatic replies go out in such moments
 * (replies.ts sendOwedNotices): a burst of new contacts (a disaster, a media mention) earns one
 * notice per contact, each a seal, two statements, a provider request and a hub event on the
 * server's thread, and sent as they were earned they took that thread from the webhooks still
 * arriving (issue 10: the messaging bench's first 2 s on PostgreSQL, first contacts' answers p50
 * 64 ms with the notices, 11 ms without). Waiting is bounded: a notice waits at most
 * NOTICE_QUIET_WAIT_MS after it was earned for a quiet moment, then goes anyway, so a storm that
 * never pauses delays the contacts' notices by seconds, never more; the outbox keeps them
 * across a crash meanwhile.
 */
export interface Arrivals {
  /** Counts one text as being taken in until the function returned is called (once). */
  begin(): () => void;
  /** Resolves at once when no text is being taken in, else when none is or after `maxWaitMs`. */
  quiet(maxWaitMs: number): Promise<void>;
  /** Texts being taken in now. */
  readonly count: number;
}

/** How long an automatic reply waits, after it was earned, for a moment with no text arriving. */
export const NOTICE_QUIET_WAIT_MS = 3_000;

export function arrivals(): Arrivals {
  let count = 0;
  const waiting = new Set<() => void>();
  const wake = () => {
    for (const resolve of [...waiting]) resolve();
  };
  return {
    begin() {
      count += 1;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        count -= 1;
        if (count === 0) wake();
      };
    },
    quiet(maxWaitMs) {
      if (count === 0 || maxWaitMs <= 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          waiting.delete(finish);
          resolve();
        };
        const timer = setTimeout(finish, maxWaitMs);
        waiting.add(finish);
      });
    },
    get count() {
      return count;
    },
  };
}
