import { BROWSER_CREDENTIAL_SECONDS, type BrowserCalling, expiryOf } from '../browser/credential.js';
import { ProviderResponseError } from '../errors.js';
import type { ProviderHttp } from '../http.js';

/** What SignalWire answers to a JWT request: a token for the SDK and one to refresh it. */
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * SignalWire's RELAY browser SDK logs in with a JWT that only SignalWire can sign: the server
 * asks the project's REST API for one (POST /api/relay/rest/jwt, basic auth project id : API
 * token) naming the volunteer's identity as the `resource` the browser registers as, with a
 * lifetime in minutes. The refresh token SignalWire also returns is dropped: the app asks us
 * for a new credential instead, so a volunteer removed from the hotline gets none. The SDK also
 * needs the project id (its `blade.connect` names it beside the JWT); it is not secret.
 */
export function signalWireBrowserCalling(
  http: ProviderHttp,
  project: string,
): BrowserCalling['browserCredential'] {
  return async ({ identity }, now) => {
    const { data } = await http.json({
      operation: 'browser token',
      method: 'POST',
      path: '/api/relay/rest/jwt',
      json: { resource: identity, expires_in: BROWSER_CREDENTIAL_SECONDS / 60 },
    });
    const token = data.jwt_token;
    if (typeof token !== 'string' || token.length > 8192 || !JWT.test(token))
      throw new ProviderResponseError('signalwire', 'browser token', 'no JWT in the answer');
    return { provider: 'signalwire', identity, token, project, expiresAt: expiryOf(now) };
  };
}
