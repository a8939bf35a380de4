import type { Server as HttpServer } from 'node:http';
import type { NostrEvent } from '@llamenos/crypto';
import type { ServerContext } from '../http/context.js';
import { lookupActiveUser } from '../identity/lookup.js';
import type { SettingsChange } from '../settings/hooks.js';
import { Bridge } from './bridge.js';
import type { Role } from './connection.js';
import { ExternalPublisher } from './external.js';
import { ensureHubKey, forgetHubKey } from './hub-keys.js';
import { publishHubEvent } from './publish.js';
import type { Realtime } from './registry.js';
import { EmbeddedRelay } from './relay.js';
import { relayUrl } from './url.js';
import { forgetSigningKey, initVerifier } from './verify.js';

export { type MembershipChange, onMembershipChanged } from './membership.js';
export { publishHubEvent } from './publish.js';
export { realtimeOf } from './registry.js';
export { relayUrl } from './url.js';

/** Settings changes become a settings:changed event (section names only) for every client. */
export async function publishSettingsChange(ctx: ServerContext, change: SettingsChange): Promise<void> {
  if (!ctx.realtime) return;
  await publishHubEvent(ctx, {
    type: 'settings:changed',
    sections:
      change.kind === 'settings'
        ? change.changed
        : change.kind === 'channel'
          ? ['messaging-channels']
          : ['providers'],
  });
}

/** Schedule changes become a bare shift:changed event: clients refetch what they show. */
export async function publishShiftsChange(ctx: ServerContext): Promise<void> {
  if (!ctx.realtime) return;
  await publishHubEvent(ctx, { type: 'shift:changed' });
}

/**
 * Starts real-time delivery for a running server: the first hub key if there is none, then
 * either the embedded relay at /nostr (attached to `http`'s upgrade event) with the
 * multi-process bridge, or a publisher to the external relay named by NOSTR_RELAY_URL.
 */
export async function startRealtime(ctx: ServerContext, http: HttpServer): Promise<Realtime> {
  const engine = await initVerifier();
  if (engine !== 'wasm') ctx.log.warn('WASM signature verifier unavailable; using the pure JavaScript one');
  await ensureHubKey(ctx);

  if (ctx.config.NOSTR_RELAY_URL) {
    const external = new ExternalPublisher(ctx.config.NOSTR_RELAY_URL, ctx.keys.nostrSecretKey, ctx.log);
    const realtime: Realtime = {
      relay: null,
      external,
      bridge: null,
      publish: async (event) => external.publish(event),
      close: async () => {
        await external.close();
        forgetSigningKey();
      },
    };
    ctx.realtime = realtime;
    return realtime;
  }

  const roleOf = async (pubkey: string): Promise<Role | null> => {
    if (pubkey === ctx.keys.nostrPublicKey) return 'server';
    return (await lookupActiveUser(ctx.db, pubkey)) ? 'member' : null;
  };
  let bridge: Bridge | null = null;
  const relay = new EmbeddedRelay({
    relayUrl: relayUrl(ctx.config),
    roleOf,
    activeMembers: async (pubkeys) => {
      const rows = await ctx.db.query<{ pubkey: string }>(
        'select pubkey from users where active and pubkey = any($1::text[])',
        [pubkeys],
      );
      return new Set(rows.map((r) => r.pubkey));
    },
    onClientEvent: (event) => {
      if (ctx.db.kind === 'pglite') return;
      bridge?.publishEvent(event).catch((error) => ctx.log.error({ err: error }, 'bridge publish failed'));
    },
    log: ctx.log,
  });
  bridge = new Bridge(ctx.db, ctx.log, {
    onEvent: (event) => relay.deliver(event),
    onMembersChanged: () => {
      // Sent after every rotation too: the next publish re-reads the current key id.
      forgetHubKey(ctx);
      relay.recheckMembers().catch((error) => ctx.log.error({ err: error }, 'membership re-check failed'));
    },
  });
  await bridge.start();
  const onUpgrade = relay.handleUpgrade.bind(relay);
  let closing: Promise<void> | null = null;
  http.on('upgrade', onUpgrade);

  const realtime: Realtime = {
    relay,
    external: null,
    bridge,
    async publish(event: NostrEvent) {
      relay.deliver(event);
      // PGlite lives inside this one process: there is no other process to reach.
      if (ctx.db.kind !== 'pglite') await bridge!.publishEvent(event);
    },
    close() {
      closing ??= (async () => {
        http.off('upgrade', onUpgrade);
        if (ctx.realtime === realtime) ctx.realtime = null;
        await bridge!.close();
        await relay.close();
        // The hub signing key pair kept in WebAssembly memory (verify.ts): the next signature rebuilds it.
        forgetSigningKey();
      })();
      return closing;
    },
  };
  ctx.realtime = realtime;
  return realtime;
}
