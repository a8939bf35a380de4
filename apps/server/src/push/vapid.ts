import { LABEL_SERVER_FIELD } from '@llamenos/crypto';
import webPush from 'web-push';
import type { ServerContext } from '../http/context.js';
import { openAtRest, sealAtRest } from '../secrets/at-rest.js';
import { insertVapidRowIfAbsent, readVapidRow, type VapidRow } from './store.js';

/**
 * The server's VAPID key pair (RFC 8292): browsers bind a subscription to its public key, and
 * a push service delivers only requests signed with the private key. Made on first start and
 * kept in the database; the private key sealed under the settings key like other server-held
 * secrets, bound to its row so it cannot be swapped with another sealed value.
 */

const PRIVATE_KEY_RECORD = 'push_vapid/1/private_key';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** Creates the key pair if the hotline has none yet; safe when several processes start at once. */
export async function ensureVapidKeys(ctx: ServerContext): Promise<void> {
  if (await readVapidRow(ctx.db)) return;
  const fresh = webPush.generateVAPIDKeys();
  await insertVapidRowIfAbsent(
    ctx.db,
    {
      publicKey: fresh.publicKey,
      privateKeySealed: sealAtRest(
        ctx.keys.settingsKey,
        LABEL_SERVER_FIELD,
        PRIVATE_KEY_RECORD,
        fresh.privateKey,
      ),
    },
    ctx.now(),
  );
  ctx.log.info('Web Push VAPID key pair created');
}

/**
 * The stored row: one read once start-up has made it (server.ts); made here only for a context
 * that never went through start-up (tests building the app directly).
 */
async function storedVapidRow(ctx: ServerContext): Promise<VapidRow> {
  const row = await readVapidRow(ctx.db);
  if (row) return row;
  await ensureVapidKeys(ctx);
  return (await readVapidRow(ctx.db))!;
}

export async function vapidPublicKey(ctx: ServerContext): Promise<string> {
  return (await storedVapidRow(ctx)).publicKey;
}

/** Both keys; throws when the stored private key does not open (another SERVER_SECRET). */
export async function vapidKeys(ctx: ServerContext): Promise<VapidKeys> {
  const row = await storedVapidRow(ctx);
  return {
    publicKey: row.publicKey,
    privateKey: openAtRest(
      ctx.keys.settingsKey,
      LABEL_SERVER_FIELD,
      PRIVATE_KEY_RECORD,
      row.privateKeySealed,
    ),
  };
}

/** The VAPID `sub` claim: a contact for the push service's operator. */
export function vapidSubject(publicUrl: string): string {
  // Push services want an https URL or a mailto: address; a development server has neither.
  return publicUrl.startsWith('https://') ? new URL(publicUrl).origin : 'mailto:push@llamenos.invalid';
}
