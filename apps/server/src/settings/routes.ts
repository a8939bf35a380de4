import {
  PatchSettingsBody,
  PutSettingsBody,
  SettingsSection,
  TelephonyProviderName,
} from '@llamenos/protocol';
import { Hono } from 'hono';
import { z } from 'zod';
import { auditActorOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { endpoint } from '../http/endpoint.js';
import { isMember, requires } from '../http/guard.js';
import { readJson } from '../http/validate.js';
import { providerUpdateSchema } from './providers.js';
import {
  deleteProviderCredentials,
  getPublicSettings,
  getSettings,
  listProviders,
  patchSettingsSection,
  replaceSettings,
  saveProviderCredentials,
} from './service.js';
import { registerConnectionTest } from './test-connection.js';

/** None of these routes takes a query string; a stray parameter is a client bug worth a 400. */
const SectionParams = z.object({ section: SettingsSection }).strict();
const ProviderParams = z.object({ provider: TelephonyProviderName }).strict();

/** The settings module's HTTP surface; every rule lives in service.ts. */
export function settingsRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const none = { query: 'none' } as const;
  app.get(
    '/settings',
    requires('settings:read'),
    endpoint(none, () => getSettings(ctx)),
  );

  app.put(
    '/settings',
    requires('settings:write'),
    endpoint({ ...none, body: PutSettingsBody }, ({ c, body }) =>
      replaceSettings(ctx, auditActorOf(c), body.settings, body.version),
    ),
  );

  app.get(
    '/settings/public',
    isMember(),
    endpoint(none, () => getPublicSettings(ctx)),
  );

  app.get(
    '/settings/providers',
    requires('settings:read'),
    endpoint(none, async () => ({ providers: await listProviders(ctx) })),
  );

  // The body's schema depends on the provider: it is read once the path is.
  app.put(
    '/settings/providers/:provider',
    requires('settings:write'),
    endpoint({ ...none, params: ProviderParams }, async ({ c, params: { provider } }) => {
      const body = await readJson(c, providerUpdateSchema(provider));
      return saveProviderCredentials(ctx, auditActorOf(c), provider, body);
    }),
  );

  app.delete(
    '/settings/providers/:provider',
    requires('settings:write'),
    endpoint({ ...none, params: ProviderParams, status: 204 }, ({ c, params }) =>
      deleteProviderCredentials(ctx, auditActorOf(c), params.provider),
    ),
  );

  registerConnectionTest(app, ctx);

  // Registered last: the fixed paths above must never be read as a section name.
  app.patch(
    '/settings/:section',
    requires('settings:write'),
    endpoint({ ...none, params: SectionParams, body: PatchSettingsBody }, ({ c, params, body }) =>
      patchSettingsSection(ctx, auditActorOf(c), params.section, body.value, body.version),
    ),
  );

  return app;
}
