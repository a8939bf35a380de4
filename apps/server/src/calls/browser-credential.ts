import type { BrowserCredential, BrowserCredentialsResponse, TelephonyProvider } from '@llamenos/protocol';
import type { Member } from '../domain/actor.js';
import { conflict, DomainError, notFound, rateLimited } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { hitRateLimit, type RateLimitRule } from '../rate-limit/service.js';
import { listCredentialRows } from '../settings/store.js';
import { BrowserCallingNotConfiguredError } from '../telephony/browser/credential.js';
import { browserIdentityOf } from '../telephony/browser/identity.js';
import { createTelephony } from '../telephony/registry.js';
import { errorInfo, telephonyOverrides } from './wiring.js';

/**
 * Credentials for the providers' browser SDKs (docs/CALLS.md, "Browser calling per provider"):
 * one per configured provider that can ring a browser, since the number a caller dials decides
 * which provider rings the volunteer. The volunteer is named by an opaque identity; nothing is
 * stored or audited (the app asks again every hour; an audit entry per refresh would drown the
 * log), and no credential is logged.
 *
 * 404: no provider can ring a browser; 409: one is configured for calls but lacks the fields
 * browser calling needs (the message names them); 502-like provider failures are logged and that
 * provider is left out, and only when every provider failed is the request refused (503).
 */
/**
 * The app asks about once an hour per tab; each issue may cost requests at the providers (a
 * SignalWire token, a Vonage user check, three ARI writes), so a member gets 30 an hour, then
 * waits 10 minutes.
 */
export const BROWSER_CREDENTIAL_RATE: RateLimitRule = { limit: 30, windowSeconds: 3600, blockSeconds: 600 };

export async function issueBrowserCredentials(
  ctx: ServerContext,
  member: Member,
): Promise<BrowserCredentialsResponse> {
  const verdict = await hitRateLimit(
    ctx.db,
    `browser-credential:${member.userId}`,
    BROWSER_CREDENTIAL_RATE,
    ctx.now(),
  );
  if (!verdict.allowed) throw rateLimited(verdict.retryAfterSeconds);
  const identity = browserIdentityOf(ctx.config.serverSecret, member.userId);
  const providers = (await listCredentialRows(ctx.db))
    .map((row) => row.provider as TelephonyProvider)
    // The simulated carrier connects browsers over its own signalling (calls/browser.ts).
    .filter((provider) => provider !== 'simulator');
  const credentials: BrowserCredential[] = [];
  const missing: string[] = [];
  let failed = 0;
  for (const provider of providers) {
    try {
      const adapter =
        ctx.telephony.eventAdapters.get(provider) ??
        (await createTelephony(ctx, provider, telephonyOverrides(ctx, provider)));
      if (!adapter.browserCredential) continue;
      credentials.push(await adapter.browserCredential({ identity }, ctx.now()));
    } catch (error) {
      if (error instanceof BrowserCallingNotConfiguredError) {
        missing.push(`${provider}: ${error.message}`);
        continue;
      }
      failed += 1;
      ctx.log.warn({ provider, err: errorInfo(error) }, 'browser credential not issued');
    }
  }
  if (credentials.length) return { credentials };
  if (failed)
    throw new DomainError(
      'unavailable',
      'the telephony provider did not issue a browser credential; try again',
    );
  if (missing.length) throw conflict(`browser calling is not fully configured (${missing.join('; ')})`);
  throw notFound('no telephony provider of this hotline is set up for browser calling');
}
