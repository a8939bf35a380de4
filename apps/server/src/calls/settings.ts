import { DEFAULT_SETTINGS, type HotlineSettings } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import type { ServerContext } from '../http/context.js';
import { loadSettings } from '../settings/store.js';
import { errorInfo } from './telephony.js';

/**
 * The settings a call needs, read fresh for every call (admins toggle the IVR menu and the
 * CAPTCHA live). A stored document gone bad must not drop callers: the defaults apply and the
 * fault is logged.
 */
export async function callSettings(ctx: ServerContext, db: Queryable = ctx.db): Promise<HotlineSettings> {
  try {
    return (await loadSettings(db)).settings;
  } catch (error) {
    ctx.log.error({ err: errorInfo(error) }, 'settings unreadable; calls use the defaults');
    return DEFAULT_SETTINGS;
  }
}
