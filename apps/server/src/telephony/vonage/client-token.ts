import { randomUUID } from 'node:crypto';
import {
  BROWSER_CREDENTIAL_SECONDS,
  type BrowserCalling,
  expiryOf,
  secondsOf,
} from '../browser/credential.js';
import { signJwt } from '../browser/jwt.js';

/**
 * The paths the Client SDK uses to receive and answer an in-app call, and nothing else: no
 * `/*\/users/**` (a volunteer must not create, rename or list users), no applications or push
 * configuration.
 */
export const VONAGE_CLIENT_ACL = {
  paths: {
    '/*/sessions/**': {},
    '/*/conversations/**': {},
    '/*/legs/**': {},
    '/*/knocking/**': {},
    '/*/devices/**': {},
  },
} as const;

/**
 * A Vonage Client SDK token: RS256 under the application's private key, with application_id,
 * `sub` the volunteer's identity (the user our `app` endpoint legs ring) and the ACL above.
 * The user must exist in the application: ensureVonageUser creates it on first issue.
 */
export function vonageBrowserCalling(
  applicationId: string,
  privateKey: string,
  ensureUser: (identity: string) => Promise<void>,
): BrowserCalling['browserCredential'] {
  return async ({ identity }, now) => {
    await ensureUser(identity);
    const iat = secondsOf(now);
    const token = signJwt(
      {},
      {
        application_id: applicationId,
        sub: identity,
        iat,
        nbf: iat,
        exp: iat + BROWSER_CREDENTIAL_SECONDS,
        jti: randomUUID(),
        acl: VONAGE_CLIENT_ACL,
      },
      { rs256: privateKey },
    );
    return { provider: 'vonage', identity, token, expiresAt: expiryOf(now) };
  };
}
