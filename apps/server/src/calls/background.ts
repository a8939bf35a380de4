import type { ServerContext } from '../http/context.js';

/**
 * Work started by a webhook that must not hold its response (ringing volunteers, cancelling
 * losing legs). Every piece is also recoverable from the database by the timer tick, so a
 * crash loses nothing; the registry only lets close() and tests wait for work in flight.
 */
const pending = new WeakMap<ServerContext, Set<Promise<unknown>>>();

export function inBackground(ctx: ServerContext, what: string, work: () => Promise<unknown>): void {
  let set = pending.get(ctx);
  if (!set) {
    set = new Set();
    pending.set(ctx, set);
  }
  const running = Promise.resolve()
    .then(work)
    .catch((error: unknown) =>
      ctx.log.error(
        { err: { name: (error as Error)?.name, message: (error as Error)?.message }, what },
        'call work failed',
      ),
    );
  set.add(running);
  void running.finally(() => set.delete(running));
}

/** Resolves when every piece of background call work started so far (and what it started) is done. */
export async function settleCallWork(ctx: ServerContext): Promise<void> {
  for (;;) {
    const set = pending.get(ctx);
    if (!set?.size) return;
    await Promise.allSettled([...set]);
  }
}
