import type { TelephonyProvider as ProviderName } from '@llamenos/protocol';
import type { ServerContext } from '../http/context.js';
import { loadProviderCredentials } from '../settings/service.js';
import { createAsteriskAdapter } from './asterisk/adapter.js';
import { TelephonyNotConfiguredError } from './errors.js';
import type { ProviderTransport } from './http.js';
import { createPlivoAdapter } from './plivo/adapter.js';
import type { Telephony } from './provider.js';
import { createSignalWireAdapter, spaceNameOf } from './signalwire/adapter.js';
import { simulatorAccount } from './simulator/credentials.js';
import { simulatedCarrierApi } from './simulator/instance.js';
import { createTwilioAdapter } from './twilio/adapter.js';
import { createVonageAdapter } from './vonage/adapter.js';

/** Knobs for tests: point a real adapter at a local fake, shorten its time limit. */
export interface TelephonyOverrides extends ProviderTransport {
  apiBaseUrl?: string;
}

async function stored<P extends ProviderName>(ctx: ServerContext, provider: P) {
  // UnreadableCredentialsError (wrong SERVER_SECRET, altered row) passes through as it is.
  const credentials = await loadProviderCredentials(ctx, provider);
  if (!credentials)
    throw new TelephonyNotConfiguredError(provider, 'configure', 'no credentials are stored for it');
  return credentials;
}

/**
 * The adapter for `provider`, built from its stored credentials (read on every call, so a
 * change in settings applies to the next call without a restart).
 * - 'simulator' is the Twilio adapter against the in-process fake Twilio API, with an account
 *   derived from SERVER_SECRET; it is refused in production, where no one can place a
 *   simulated call anyway.
 * - Asterisk: the ARI URL must be loopback or private (see asterisk/address.ts); a public one
 *   is refused with the reason. Its event stream starts on the first subscribe, so callers
 *   should build it once and keep it, not once per call.
 */
export async function createTelephony(
  ctx: ServerContext,
  provider: ProviderName,
  overrides: TelephonyOverrides = {},
): Promise<Telephony> {
  const common = { timeoutMs: overrides.timeoutMs, fetch: overrides.fetch };
  switch (provider) {
    case 'twilio': {
      const { accountSid, authToken, apiKeySid, apiKeySecret, twimlAppSid } = await stored(ctx, 'twilio');
      return createTwilioAdapter({
        accountSid,
        authToken,
        apiKeySid,
        apiKeySecret,
        twimlAppSid,
        apiBaseUrl: overrides.apiBaseUrl,
        ...common,
      });
    }
    case 'signalwire': {
      const { projectId, apiToken, spaceUrl, signingKey } = await stored(ctx, 'signalwire');
      return createSignalWireAdapter({
        projectId,
        apiToken,
        signingKey,
        spaceUrl: overrides.apiBaseUrl ?? spaceUrl,
        spaceName: spaceNameOf(spaceUrl),
        ...common,
      });
    }
    case 'simulator': {
      if (ctx.config.isProduction)
        throw new TelephonyNotConfiguredError(
          provider,
          'configure',
          'the simulated carrier is off in production',
        );
      const api = await simulatedCarrierApi(ctx);
      return createTwilioAdapter({
        ...simulatorAccount(ctx.config.serverSecret),
        apiBaseUrl: overrides.apiBaseUrl ?? api.baseUrl,
        provider: 'simulator',
        ...common,
      });
    }
    case 'vonage': {
      const { apiKey, applicationId, privateKey, signatureSecret } = await stored(ctx, 'vonage');
      return createVonageAdapter({
        apiKey,
        applicationId,
        privateKey,
        signatureSecret,
        apiBaseUrl: overrides.apiBaseUrl,
        ...common,
      });
    }
    case 'plivo': {
      const { authId, authToken } = await stored(ctx, 'plivo');
      return createPlivoAdapter({ authId, authToken, apiBaseUrl: overrides.apiBaseUrl, ...common });
    }
    case 'asterisk': {
      const { ariUrl, username, password, app, phoneNumbers, sipWebSocketUrl } = await stored(
        ctx,
        'asterisk',
      );
      return createAsteriskAdapter({
        ariUrl: overrides.apiBaseUrl ?? ariUrl,
        username,
        password,
        app,
        phoneNumbers,
        sipWebSocketUrl,
        ...common,
      });
    }
    default:
      throw new TelephonyNotConfiguredError(String(provider), 'configure', 'unknown provider');
  }
}
