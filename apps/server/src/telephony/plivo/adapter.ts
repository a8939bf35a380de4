import { restCallControl, type WebhookTelephony } from '../provider.js';
import { type RestApiOptions, restApi } from '../rest-api.js';
import { plivoBrowserCalling } from './access-token.js';
import { PlivoConferences } from './conference.js';
import { plivoEvents } from './events.js';
import { renderPlivoXml } from './plivo-xml.js';
import { PlivoRestClient } from './rest.js';
import { verifyPlivoWebhook } from './signature.js';

export const PLIVO_API_BASE_URL = 'https://api.plivo.com';

interface PlivoAdapterOptions extends RestApiOptions {
  authId: string;
  authToken: string;
}

/** Plivo: Plivo XML documents, X-Plivo-Signature-V3 webhooks, the v1 REST API. */
export function createPlivoAdapter(options: PlivoAdapterOptions): WebhookTelephony {
  const { http, recordingBaseUrl } = restApi('plivo', PLIVO_API_BASE_URL, options, {
    username: options.authId,
    password: options.authToken,
  });
  const rest = new PlivoRestClient({ authId: options.authId, http, recordingBaseUrl });
  return {
    provider: 'plivo',
    transport: 'webhook',
    // The auth id and token are all a browser token needs.
    ringsBrowsers: true,
    verifyWebhook: (request) => verifyPlivoWebhook(options.authToken, request),
    ...plivoEvents,
    render: renderPlivoXml,
    acknowledge: () => renderPlivoXml([]),
    ...restCallControl(rest),
    // Hold, hand-over and listening by moving the caller between conference rooms (conference.ts).
    connectedCalls: new PlivoConferences({
      http,
      authId: options.authId,
      cancelLeg: (legId) => rest.cancelLeg(legId),
    }),
    browserCredential: plivoBrowserCalling(http, options.authId),
  };
}
