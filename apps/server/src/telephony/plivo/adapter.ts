import { ProviderHttp, type ProviderTransport } from '../http.js';
import { restCallControl, type WebhookTelephony } from '../provider.js';
import { plivoBrowserCalling } from './access-token.js';
import { PlivoConferences } from './conference.js';
import { plivoEvents } from './events.js';
import { renderPlivoXml } from './plivo-xml.js';
import { PlivoRestClient } from './rest.js';
import { verifyPlivoWebhook } from './signature.js';

export const PLIVO_API_BASE_URL = 'https://api.plivo.com';

interface PlivoAdapterOptions extends ProviderTransport {
  authId: string;
  authToken: string;
  /** Default https://api.plivo.com; tests point it (and recording downloads) at the local fake. */
  apiBaseUrl?: string;
}

/** Plivo: Plivo XML documents, X-Plivo-Signature-V3 webhooks, the v1 REST API. */
export function createPlivoAdapter(options: PlivoAdapterOptions): WebhookTelephony {
  const baseUrl = (options.apiBaseUrl ?? PLIVO_API_BASE_URL).replace(/\/+$/, '');
  const http = new ProviderHttp({
    provider: 'plivo',
    baseUrl,
    username: options.authId,
    password: options.authToken,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });
  const rest = new PlivoRestClient({
    authId: options.authId,
    http,
    recordingBaseUrl: options.apiBaseUrl === undefined ? undefined : baseUrl,
  });
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
