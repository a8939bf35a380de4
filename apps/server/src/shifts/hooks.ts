import type { ServerContext } from '../http/context.js';

/** What changed, by kind and id only: listeners that need the schedule read it back. */
export interface ShiftsChange {
  kind: 'shift' | 'assignments' | 'ring-group' | 'exception';
  action: 'created' | 'updated' | 'deleted';
  id: string;
}

/**
 * Called after a schedule change has committed: announced as `shifts:changed` on the context's
 * event bus (real-time delivery publishes shift:changed; see server.ts). Listeners neither fail
 * nor slow the admin's request.
 */
export function notifyShiftsChanged(ctx: ServerContext, change: ShiftsChange): void {
  ctx.events.emit('shifts:changed', change);
}
