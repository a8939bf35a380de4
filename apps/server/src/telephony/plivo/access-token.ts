import { randomBytes } from 'node:crypto';
import {
  BROWSER_CREDENTIAL_SECONDS,
  type BrowserCalling,
  expiryOf,
  secondsOf,
} from '../browser/credential.js';
import { signJwt } from '../browser/jwt.js';

/**
 * A Plivo access token for the browser SDK (login with JWT): HS256 under the auth token, issuer
 * the auth id, subject the volunteer's identity, content type "plivo;v=1", a voice grant with
 * incoming calls allowed and outgoing ones refused (a volunteer's browser never dials out
 * through the hotline). Our `<User>` legs dial sip:<identity>@phone.plivo.com.
 */
export function plivoBrowserCalling(authId: string, authToken: string): BrowserCalling['browserCredential'] {
  return async ({ identity }, now) => {
    const nbf = secondsOf(now);
    const token = signJwt(
      { cty: 'plivo;v=1' },
      {
        jti: `${identity}-${randomBytes(8).toString('hex')}`,
        iss: authId,
        sub: identity,
        nbf,
        exp: nbf + BROWSER_CREDENTIAL_SECONDS,
        grants: { voice: { incoming_allow: true, outgoing_allow: false } },
      },
      { hs256: authToken },
    );
    return { provider: 'plivo', identity, token, expiresAt: expiryOf(now) };
  };
}

/** The SIP address Plivo rings for a browser logged in as `identity`. */
export const plivoBrowserUri = (identity: string) => `sip:${identity}@phone.plivo.com`;
