import {
  BROWSER_CREDENTIAL_SECONDS,
  type BrowserCalling,
  expiryOf,
  secondsOf,
} from '../browser/credential.js';
import { ProviderResponseError } from '../errors.js';
import type { ProviderHttp } from '../http.js';

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * A Plivo access token for the browser SDK (`loginWithAccessToken`). Plivo's SIP side accepts
 * only tokens Plivo itself signed, so the server asks the REST API for one:
 * POST /v1/Account/<auth id>/JWT/Token/ with `iss` the auth id, `sub` the volunteer's identity,
 * `nbf`/`exp` an hour apart, and voice permissions with incoming calls allowed and outgoing ones
 * refused (a volunteer's browser never dials out through the hotline). Our `<User>` legs dial
 * sip:<identity>@phone.plivo.com.
 */
export function plivoBrowserCalling(http: ProviderHttp, authId: string): BrowserCalling['browserCredential'] {
  return async ({ identity }, now) => {
    const nbf = secondsOf(now);
    const { data } = await http.json({
      operation: 'browser token',
      method: 'POST',
      path: `/v1/Account/${encodeURIComponent(authId)}/JWT/Token/`,
      json: {
        iss: authId,
        sub: identity,
        nbf,
        exp: nbf + BROWSER_CREDENTIAL_SECONDS,
        per: { voice: { incoming_allow: true, outgoing_allow: false } },
      },
    });
    const token = data.token;
    if (typeof token !== 'string' || token.length > 8192 || !JWT.test(token))
      throw new ProviderResponseError('plivo', 'browser token', 'no JWT in the answer');
    return { provider: 'plivo', identity, token, expiresAt: expiryOf(now) };
  };
}

/** The SIP address Plivo rings for a browser logged in as `identity`. */
export const plivoBrowserUri = (identity: string) => `sip:${identity}@phone.plivo.com`;
