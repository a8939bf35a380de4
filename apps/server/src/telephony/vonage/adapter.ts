import type { ProviderHttp } from '../http.js';
import { restCallControl, type WebhookTelephony } from '../provider.js';
import { type RestApiOptions, restApi } from '../rest-api.js';
import { vonageBrowserCalling } from './client-token.js';
import { VonageConversations } from './conversation.js';
import { vonageEvents } from './events.js';
import { signApplicationToken } from './jwt.js';
import { acknowledgeVonage, renderNcco } from './ncco.js';
import { VonageRestClient } from './rest.js';
import { verifyVonageWebhook } from './signature.js';

export const VONAGE_API_BASE_URL = 'https://api.nexmo.com';

interface VonageAdapterOptions extends RestApiOptions {
  apiKey: string;
  applicationId: string;
  /** The application's private key (PEM): signs the RS256 tokens of our REST requests. */
  privateKey: string;
  /** The account's signature secret: the HS256 key of signed webhooks. */
  signatureSecret: string;
}

/**
 * Vonage Voice API: NCCO documents, webhooks signed with an HS256 JWT (signature secret), REST
 * authenticated with RS256 application tokens. The API secret is not used by voice.
 *
 * The Vonage application must have signed callbacks on, and its answer and event webhooks set to
 * POST, so that every webhook carries a token whose payload_hash binds its JSON body.
 */
export function createVonageAdapter(options: VonageAdapterOptions): WebhookTelephony {
  const { http, recordingBaseUrl } = restApi('vonage', VONAGE_API_BASE_URL, options, {
    authorization: () =>
      `Bearer ${signApplicationToken({ applicationId: options.applicationId, privateKey: options.privateKey })}`,
  });
  const rest = new VonageRestClient({ http, recordingBaseUrl });
  const keys = {
    signatureSecret: options.signatureSecret,
    apiKey: options.apiKey,
    applicationId: options.applicationId,
  };
  return {
    provider: 'vonage',
    transport: 'webhook',
    // The application's private key signs the Client SDK's token (in-app voice must be on there).
    ringsBrowsers: true,
    verifyWebhook: (request) => verifyVonageWebhook(keys, request),
    ...vonageEvents,
    render: renderNcco,
    acknowledge: acknowledgeVonage,
    ...restCallControl(rest),
    // Hold, hand-over and listening move legs between named conversations (conversation.ts).
    connectedCalls: new VonageConversations({ http, cancelLeg: (legId) => rest.cancelLeg(legId) }),
    browserCredential: vonageBrowserCalling(options.applicationId, options.privateKey, (identity) =>
      ensureVonageUser(http, identity),
    ),
  };
}

/**
 * The Client SDK's `sub` must name a user of the application: created on first issue (POST
 * /v1/users); 409 means it exists already. The user's name is the opaque identity, nothing else.
 */
async function ensureVonageUser(http: ProviderHttp, identity: string): Promise<void> {
  await http.send({
    operation: 'browser user',
    method: 'POST',
    path: '/v1/users',
    json: { name: identity },
    okStatuses: [409],
  });
}
