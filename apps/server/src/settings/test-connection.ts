import { type ProviderCredentials, type TelephonyProvider, TelephonyProviderName } from '@llamenos/protocol';
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv, ServerContext } from '../http/context.js';
import { notFound } from '../http/errors.js';
import { requires } from '../http/guard.js';
import { readParams, readQuery } from '../http/validate.js';
import { ariAddress } from '../telephony/asterisk/address.js';
import {
  ProviderHttpError,
  ProviderResponseError,
  ProviderTimeoutError,
  ProviderUnreachableError,
  TelephonyError,
} from '../telephony/errors.js';
import { ProviderHttp } from '../telephony/http.js';
import { PLIVO_API_BASE_URL } from '../telephony/plivo/adapter.js';
import { SIGNALWIRE_API_PATH } from '../telephony/signalwire/adapter.js';
import { TWILIO_API_BASE_URL, TWILIO_API_VERSION_PATH } from '../telephony/twilio/adapter.js';
import { VONAGE_API_BASE_URL } from '../telephony/vonage/adapter.js';
import { loadProviderCredentials, UnreadableCredentialsError } from './service.js';

/**
 * POST /api/settings/providers/:provider/test: one harmless authenticated read against the
 * provider with the stored credentials, so an admin learns whether they work.
 *
 * The request can only go where the provider lives (SSRF guard), decided before anything is
 * sent: the cloud providers' fixed public API hosts over https; for SignalWire the stored
 * space URL only if it is https://<space>.signalwire.com; for Asterisk only loopback or
 * private addresses (the adapter's own rule, asterisk/address.ts). Redirects are never
 * followed. The answer says ok or failed with a short reason built from status codes and
 * error kinds, never from anything the provider or the credentials contain.
 */

export interface ConnectionTestResult {
  ok: boolean;
  reason: string;
}

interface ConnectionTestOptions {
  /** Tests route the guarded requests to a local fake; the SSRF checks still run first. */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const TIMEOUT_MS = 5_000;
const SIGNALWIRE_HOST = /^[a-z0-9][a-z0-9-]{0,62}\.signalwire\.com$/;

/** A request the SSRF guard refused: nothing was sent. */
class Refused extends Error {}

interface Probe {
  url: URL;
  username: string;
  password: string;
}

/** A read of `path` on a provider's own API host, with basic auth. */
function fixedHostProbe(base: string, path: string, username: string, password: string): Probe {
  return { url: new URL(`${base.replace(/\/+$/, '')}${path}`), username, password };
}

/** Where the read goes, checked against the provider's allowed hosts, or Refused. */
function probeFor<P extends TelephonyProvider>(provider: P, credentials: ProviderCredentials[P]): Probe {
  switch (provider) {
    case 'twilio': {
      const c = credentials as ProviderCredentials['twilio'];
      const path = `${TWILIO_API_VERSION_PATH}/Accounts/${encodeURIComponent(c.accountSid)}.json`;
      return fixedHostProbe(TWILIO_API_BASE_URL, path, c.accountSid, c.authToken);
    }
    case 'signalwire': {
      const c = credentials as ProviderCredentials['signalwire'];
      let space: URL;
      try {
        space = new URL(c.spaceUrl);
      } catch {
        throw new Refused('the SignalWire space URL is not a URL');
      }
      if (
        space.protocol !== 'https:' ||
        !SIGNALWIRE_HOST.test(space.hostname) ||
        space.port ||
        space.username ||
        space.password ||
        (space.pathname !== '/' && space.pathname !== '') ||
        space.search ||
        space.hash
      )
        throw new Refused('the SignalWire space URL must be https://<your space>.signalwire.com');
      return {
        url: new URL(
          `${space.origin}${SIGNALWIRE_API_PATH}/Accounts/${encodeURIComponent(c.projectId)}.json`,
        ),
        username: c.projectId,
        password: c.apiToken,
      };
    }
    case 'vonage': {
      const c = credentials as ProviderCredentials['vonage'];
      const path = `/v2/applications/${encodeURIComponent(c.applicationId)}`;
      return fixedHostProbe(VONAGE_API_BASE_URL, path, c.apiKey, c.apiSecret);
    }
    case 'plivo': {
      const c = credentials as ProviderCredentials['plivo'];
      const path = `/v1/Account/${encodeURIComponent(c.authId)}/`;
      return fixedHostProbe(PLIVO_API_BASE_URL, path, c.authId, c.authToken);
    }
    case 'asterisk': {
      const c = credentials as ProviderCredentials['asterisk'];
      let base: string;
      try {
        base = ariAddress(c.ariUrl).httpBase;
      } catch {
        throw new Refused('the ARI URL must be localhost or a loopback or private-network IP address');
      }
      return { url: new URL(`${base}/ari/asterisk/info`), username: c.username, password: c.password };
    }
    default:
      throw new Refused('this provider has no connection to test');
  }
}

/** The hosts a provider's read may reach: checked again on the very request that is sent. */
function allowedUrl(provider: TelephonyProvider, url: URL, probe: URL): boolean {
  if (url.origin !== probe.origin) return false;
  if (provider === 'asterisk') return url.protocol === 'http:' || url.protocol === 'https:';
  return url.protocol === 'https:';
}

function describeFailure(error: unknown): string {
  if (error instanceof ProviderHttpError) {
    if (error.status >= 300 && error.status < 400)
      return `the provider answered with a redirect (HTTP ${error.status}), which is not followed`;
    if (error.status === 401 || error.status === 403)
      return `the provider refused the credentials (HTTP ${error.status})`;
    if (error.status === 404) return 'the account or application was not found (HTTP 404)';
    return `the provider answered HTTP ${error.status}`;
  }
  if (error instanceof ProviderTimeoutError) return `no answer within ${error.timeoutMs / 1000} s`;
  if (error instanceof ProviderUnreachableError) {
    const code = /\(([A-Z_]+)\)/.exec(error.message)?.[1];
    return code ? `unreachable (${code})` : 'unreachable';
  }
  if (error instanceof ProviderResponseError) return 'the provider gave an unexpected answer';
  if (error instanceof TelephonyError) return 'the request failed';
  return 'the request failed';
}

/** Tests `credentials` for `provider` (the route passes the stored ones). */
export async function testProviderCredentials<P extends TelephonyProvider>(
  provider: P,
  credentials: ProviderCredentials[P],
  options: ConnectionTestOptions = {},
): Promise<ConnectionTestResult> {
  let probe: Probe;
  try {
    probe = probeFor(provider, credentials);
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: `refused: ${error.message}` };
    throw error;
  }
  const inner = options.fetch ?? fetch;
  const guarded: typeof fetch = (input, init) => {
    const target = new URL(input instanceof Request ? input.url : String(input));
    if (!allowedUrl(provider, target, probe.url)) return Promise.reject(new Refused('host not allowed'));
    // A redirect is answered as the 3xx it is: never followed to another host, or at all.
    return inner(input, { ...init, redirect: 'manual' });
  };
  const http = new ProviderHttp({
    provider,
    baseUrl: probe.url.origin,
    username: probe.username,
    password: probe.password,
    timeoutMs: options.timeoutMs ?? TIMEOUT_MS,
    fetch: guarded,
  });
  try {
    await http.send({
      operation: 'test connection',
      method: 'GET',
      path: `${probe.url.pathname}${probe.url.search}`,
      maxBytes: 256 * 1024,
    });
    return { ok: true, reason: 'connected: the credentials were accepted' };
  } catch (error) {
    return { ok: false, reason: describeFailure(error) };
  }
}

/** Loads the stored credentials and tests them. */
async function testStoredProvider(
  ctx: ServerContext,
  provider: TelephonyProvider,
  options: ConnectionTestOptions = {},
): Promise<ConnectionTestResult> {
  if (provider === 'simulator')
    return ctx.config.isProduction
      ? { ok: false, reason: 'the simulated carrier is off in production' }
      : { ok: true, reason: 'the simulated carrier is built in and needs no connection' };
  let credentials: ProviderCredentials[typeof provider] | null;
  try {
    credentials = await loadProviderCredentials(ctx, provider);
  } catch (error) {
    if (error instanceof UnreadableCredentialsError)
      return { ok: false, reason: 'the stored credentials cannot be decrypted' };
    throw error;
  }
  if (!credentials) throw notFound('no credentials are stored for this provider');
  return testProviderCredentials(provider, credentials, options);
}

const NoQuery = z.object({}).strict();
const ProviderParams = z.object({ provider: TelephonyProviderName }).strict();

/** Registered by settings/routes.ts; `options` lets tests reach local fakes. */
export function registerConnectionTest(
  app: Hono<AppEnv>,
  ctx: ServerContext,
  options: ConnectionTestOptions = {},
): void {
  app.post('/settings/providers/:provider/test', requires('settings:write'), async (c: Context<AppEnv>) => {
    readQuery(c, NoQuery);
    const { provider } = readParams(c, ProviderParams);
    return c.json(await testStoredProvider(ctx, provider, options));
  });
}
