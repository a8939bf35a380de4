import type { ServerContext } from '../http/context.js';

/**
 * Work started by a webhook that must not hold its response (ringing volunteers, cancelling
 * losing legs). Every piece is also recoverable from the database by the timer tick, so a
 * crash loses nothing; the context's set of work in flight only lets close() and tests wait.
 */
export function inBackground(ctx: ServerContext, what: string, work: () => Promise<unknown>): void {
  const pending = ctx.backgroundWork;
  const running = Promise.resolve()
    .then(work)
    .catch((error: unknown) =>
      ctx.log.error(
        { err: { name: (error as Error)?.name, message: (error as Error)?.message }, what },
        'call work failed',
      ),
    );
  pending.add(running);
  void running.finally(() => pending.delete(running));
}

/** Resolves when every piece of background call work started so far (and what it started) is done. */
export async function settleCallWork(ctx: ServerContext): Promise<void> {
  while (ctx.backgroundWork.size) await Promise.allSettled([...ctx.backgroundWork]);
}
