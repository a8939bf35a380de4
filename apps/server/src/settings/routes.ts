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
import { isMember, requires } from '../http/guard.js';
import { noQuery, readJson, readParams } from '../http/validate.js';
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

  app.get('/settings', requires('settings:read'), async (c) => {
    noQuery(c);
    return c.json(await getSettings(ctx));
  });

  app.put('/settings', requires('settings:write'), async (c) => {
    noQuery(c);
    const body = await readJson(c, PutSettingsBody);
    return c.json(await replaceSettings(ctx, auditActorOf(c), body.settings, body.version));
  });

  app.get('/settings/public', isMember(), async (c) => {
    noQuery(c);
    return c.json(await getPublicSettings(ctx));
  });

  app.get('/settings/providers', requires('settings:read'), async (c) => {
    noQuery(c);
    return c.json({ providers: await listProviders(ctx) });
  });

  app.put('/settings/providers/:provider', requires('settings:write'), async (c) => {
    noQuery(c);
    const { provider } = readParams(c, ProviderParams);
    const body = await readJson(c, providerUpdateSchema(provider));
    return c.json(await saveProviderCredentials(ctx, auditActorOf(c), provider, body));
  });

  app.delete('/settings/providers/:provider', requires('settings:write'), async (c) => {
    noQuery(c);
    const { provider } = readParams(c, ProviderParams);
    await deleteProviderCredentials(ctx, auditActorOf(c), provider);
    return c.body(null, 204);
  });

  registerConnectionTest(app, ctx);

  // Registered last: the fixed paths above must never be read as a section name.
  app.patch('/settings/:section', requires('settings:write'), async (c) => {
    noQuery(c);
    const { section } = readParams(c, SectionParams);
    const body = await readJson(c, PatchSettingsBody);
    return c.json(await patchSettingsSection(ctx, auditActorOf(c), section, body.value, body.version));
  });

  return app;
}
