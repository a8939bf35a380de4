import type { SettingsSection, TelephonyProvider } from '@llamenos/protocol';
import type { ServerContext } from '../http/context.js';

/** What changed, by name only: listeners that need values read them back (and check permissions). */
export type SettingsChange =
  | { kind: 'settings'; version: number; changed: SettingsSection[] }
  | { kind: 'provider'; provider: TelephonyProvider; action: 'updated' | 'deleted' };

export type SettingsListener = (change: SettingsChange, ctx: ServerContext) => void | Promise<void>;

/**
 * Called after a settings change has committed (the real-time module will push it to clients).
 * Listeners are started, not awaited, and their failures are logged: the change is already
 * durable, so a broken listener must neither fail nor slow the admin's request.
 */
export const onSettingsChanged: SettingsListener[] = [];

export function notifySettingsChanged(ctx: ServerContext, change: SettingsChange): void {
  const report = (error: unknown) =>
    ctx.log.error({ err: error, change: change.kind }, 'settings change listener failed');
  for (const listener of onSettingsChanged) {
    try {
      const pending = listener(change, ctx);
      if (pending) pending.catch(report);
    } catch (error) {
      report(error);
    }
  }
}
