import type { SettingsSection, TelephonyProvider } from '@llamenos/protocol';
import type { ServerContext } from '../http/context.js';
import type { ChannelId } from '../messaging/channel.js';
import { forgetSettings } from './cache.js';

/** What changed, by name only: listeners that need values read them back (and check permissions). */
export type SettingsChange =
  | { kind: 'settings'; version: number; changed: SettingsSection[] }
  | { kind: 'provider'; provider: TelephonyProvider; action: 'updated' | 'deleted' }
  | { kind: 'channel'; channel: ChannelId; action: 'updated' | 'deleted' };

/**
 * Called after a settings change has committed: announced as `settings:changed` on the context's
 * event bus (real-time delivery pushes it to clients, the Asterisk bridge reconnects; see
 * server.ts). Listeners neither fail nor slow the admin's request.
 */
export function notifySettingsChanged(ctx: ServerContext, change: SettingsChange): void {
  // This process's kept copies (settings, provider adapters) go first: a listener reads the new ones.
  forgetSettings(ctx);
  ctx.events.emit('settings:changed', change);
}
