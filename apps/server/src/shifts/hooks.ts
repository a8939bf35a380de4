import type { ServerContext } from '../http/context.js';

/** What changed, by kind and id only: listeners that need the schedule read it back. */
export interface ShiftsChange {
  kind: 'shift' | 'assignments' | 'ring-group' | 'exception';
  action: 'created' | 'updated' | 'deleted';
  id: string;
}

export type ShiftsListener = (change: ShiftsChange, ctx: ServerContext) => void | Promise<void>;

/**
 * Called after a schedule change has committed (the real-time module publishes shift:changed).
 * Listeners are started, not awaited, and their failures are logged: the change is already
 * durable, so a broken listener must neither fail nor slow the admin's request.
 */
export const onShiftsChanged: ShiftsListener[] = [];

export function notifyShiftsChanged(ctx: ServerContext, change: ShiftsChange): void {
  const report = (error: unknown) =>
    ctx.log.error({ err: error, change: change.kind }, 'shifts change listener failed');
  for (const listener of onShiftsChanged) {
    try {
      const pending = listener(change, ctx);
      if (pending) pending.catch(report);
    } catch (error) {
      report(error);
    }
  }
}
