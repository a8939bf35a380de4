import { randomBytes } from 'node:crypto';
import { type BrowserCalling, BrowserCallingNotConfiguredError, expiryOf } from '../browser/credential.js';
import type { ProviderHttp } from '../http.js';

/**
 * Browser calling on Asterisk: each volunteer's browser is its own PJSIP endpoint, reached over
 * SIP on a secure WebSocket (JsSIP in the browser), with DTLS-SRTP media (webrtc=yes).
 *
 * The endpoint, its auth and its AOR are pushed to Asterisk through ARI's dynamic configuration
 * (PUT /ari/asterisk/config/dynamic/res_pjsip/<type>/<identity>), which needs sorcery.conf to
 * keep those object types in memory (docs/CALLS.md, "Asterisk"). Nothing is written to a file
 * and nothing is stored on our side: every issue replaces the password, so a credential lives
 * until the volunteer's next one (the app asks hourly) or until `removeBrowserEndpoint`.
 */

/** The PJSIP fields of a volunteer's browser endpoint: WebRTC, incoming calls only. */
export function browserEndpointFields(identity: string): [string, string][] {
  return [
    ['transport', 'transport-wss'],
    ['aors', identity],
    ['auth', identity],
    // Calls from a browser land in a context with no extensions: a volunteer cannot dial out.
    ['context', 'llamenos-browser-deny'],
    ['disallow', 'all'],
    ['allow', 'opus,ulaw'],
    // webrtc=yes: AVPF, DTLS-SRTP with a generated certificate, ICE, rtcp-mux, received transport.
    ['webrtc', 'yes'],
    ['dtls_auto_generate_cert', 'yes'],
  ];
}

const dynamicPath = (type: 'auth' | 'aor' | 'endpoint', id: string) =>
  `/asterisk/config/dynamic/res_pjsip/${type}/${id}`;

const fieldsBody = (fields: [string, string][]) => ({
  fields: fields.map(([attribute, value]) => ({ attribute, value })),
});

export function asteriskBrowserCalling(
  http: ProviderHttp,
  sipWebSocketUrl: string | undefined,
): BrowserCalling['browserCredential'] | undefined {
  if (!sipWebSocketUrl) return undefined;
  const domain = new URL(sipWebSocketUrl).hostname;
  return async ({ identity }, now) => {
    if (!/^v[0-9a-f]{24}$/.test(identity))
      throw new BrowserCallingNotConfiguredError('not a browser identity');
    const password = randomBytes(16).toString('hex');
    const put = (type: 'auth' | 'aor' | 'endpoint', fields: [string, string][]) =>
      http.send({
        operation: `browser ${type}`,
        method: 'PUT',
        path: dynamicPath(type, identity),
        json: fieldsBody(fields),
      });
    await put('auth', [
      ['auth_type', 'userpass'],
      ['username', identity],
      ['password', password],
    ]);
    // One registration at a time: a second tab (or a stolen password) replaces the first.
    await put('aor', [
      ['max_contacts', '1'],
      ['remove_existing', 'yes'],
    ]);
    await put('endpoint', browserEndpointFields(identity));
    return {
      provider: 'asterisk',
      identity,
      webSocketUrl: sipWebSocketUrl,
      sipUri: `sip:${identity}@${domain}`,
      username: identity,
      password,
      expiresAt: expiryOf(now),
    };
  };
}

/** Takes a volunteer's browser endpoint out of Asterisk (removed from the hotline, signed out). */
export async function removeBrowserEndpoint(http: ProviderHttp, identity: string): Promise<void> {
  for (const type of ['endpoint', 'aor', 'auth'] as const)
    await http.deleteIfPresent({ operation: `remove browser ${type}`, path: dynamicPath(type, identity) });
}
