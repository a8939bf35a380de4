import { randomBytes } from 'node:crypto';
import {
  BROWSER_CREDENTIAL_SECONDS,
  type BrowserCalling,
  BrowserCallingNotConfiguredError,
  expiryOf,
  secondsOf,
} from '../browser/credential.js';
import { signJwt } from '../browser/jwt.js';

/** What the Voice JS SDK's access tokens need from the account (stored with its credentials). */
export interface TwilioBrowserKeys {
  accountSid: string;
  apiKeySid?: string;
  apiKeySecret?: string;
  twimlAppSid?: string;
}

/**
 * A Twilio Access Token for the Voice JS SDK: HS256 under the API key secret, issuer the API key,
 * subject the account, content type "twilio-fpa;v=1", and a voice grant that lets the browser
 * receive calls for `identity` (our `<Dial><Client>` and REST `client:` legs reach it). The
 * TwiML app is named because the SDK requires one for outgoing calls; the admin gives it a voice
 * URL that rejects every call (docs/CALLS.md), so a browser cannot place calls through it.
 */
export function twilioBrowserCalling(
  keys: TwilioBrowserKeys,
): BrowserCalling['browserCredential'] | undefined {
  const { apiKeySid, apiKeySecret, twimlAppSid } = keys;
  const set = [apiKeySid, apiKeySecret, twimlAppSid].filter(Boolean).length;
  if (set === 0) return undefined;
  return async ({ identity }, now) => {
    if (!apiKeySid || !apiKeySecret || !twimlAppSid)
      throw new BrowserCallingNotConfiguredError(
        'browser calling at Twilio needs the API key SID, the API key secret and the TwiML app SID',
      );
    const iat = secondsOf(now);
    const token = signJwt(
      { cty: 'twilio-fpa;v=1' },
      {
        jti: `${apiKeySid}-${randomBytes(8).toString('hex')}`,
        iss: apiKeySid,
        sub: keys.accountSid,
        iat,
        exp: iat + BROWSER_CREDENTIAL_SECONDS,
        grants: {
          identity,
          voice: { incoming: { allow: true }, outgoing: { application_sid: twimlAppSid } },
        },
      },
      { hs256: apiKeySecret },
    );
    return { provider: 'twilio', identity, token, expiresAt: expiryOf(now) };
  };
}
