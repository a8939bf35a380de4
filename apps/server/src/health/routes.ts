import type { PublicConfig, VersionInfo } from '@llamenos/protocol';
import { Hono } from 'hono';
import { pendingMigrations } from '../db/migrate.js';
import { DomainError } from '../domain/errors.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { isPublic } from '../http/guard.js';
import { relayUrl } from '../realtime/url.js';
import { getLoginBranding } from '../settings/service.js';
import { webRoot } from '../web/static.js';
import { buildInfo } from './build-info.js';
import { digestFolder, webBundleDigest } from './web-bundle.js';

/** Liveness (the process answers) and readiness (database reachable, schema current). */
export function healthRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // The served files do not change while the process runs: digest them once, on first ask.
  let version: Promise<VersionInfo> | null = null;
  const versionInfo = async (): Promise<VersionInfo> => {
    const files = await digestFolder(webRoot(ctx.config));
    return { ...buildInfo(), webBundle: { sha256: webBundleDigest(files), files: files.size } };
  };
  app.get('/health', isPublic(), (c) => c.json({ status: 'ok' }));
  app.get('/health/ready', isPublic(), async (c) => {
    const { ALL_MIGRATIONS } = await import('../modules.js');
    let pending: string[];
    try {
      pending = await pendingMigrations(ctx.db, ALL_MIGRATIONS);
    } catch {
      throw new DomainError('unavailable', 'database unreachable');
    }
    if (pending.length) throw new DomainError('unavailable', `migrations pending: ${pending.join(', ')}`);
    return c.json({ status: 'ready', database: ctx.db.kind });
  });
  // Public: lets anyone check that this server serves a published release (docs/OPERATIONS.md).
  app.get('/version', isPublic(), async (c) => {
    version ??= versionInfo().catch((error) => {
      version = null;
      throw error;
    });
    return c.json(await version);
  });
  app.get('/config', isPublic(), async (c) => {
    const body: PublicConfig = {
      serverPubkey: ctx.keys.nostrPublicKey,
      // The relay to subscribe to: external (NOSTR_RELAY_URL) or the embedded one at /nostr.
      relayUrl: relayUrl(ctx.config),
      publicUrl: ctx.config.PUBLIC_URL,
      production: ctx.config.isProduction,
      // Shown on the login page, before anyone is signed in.
      ...(await getLoginBranding(ctx)),
    };
    return c.json(body);
  });
  return app;
}
