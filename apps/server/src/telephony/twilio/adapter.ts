import type { TelephonyProvider as ProviderName } from '@llamenos/protocol';
import { ProviderHttp, type ProviderTransport } from '../http.js';
import {
  type Instruction,
  restCallControl,
  type WebhookRequest,
  type WebhookTelephony,
} from '../provider.js';
import { type TwilioBrowserKeys, twilioBrowserCalling } from './access-token.js';
import { TwilioConferences } from './conference.js';
import { type TwilioIdForms, twilioParsers } from './events.js';
import { TwilioRestClient, twilioClientAddress } from './rest.js';
import { verifyTwilioWebhook } from './signature.js';
import { renderMarkup, TWIML } from './twiml.js';

export const TWILIO_API_BASE_URL = 'https://api.twilio.com';
export const TWILIO_API_VERSION_PATH = '/2010-04-01';

export const TWILIO_IDS: Omit<TwilioIdForms, 'provider'> = {
  call: /^CA[0-9a-fA-F]{32}$/,
  recording: /^RE[0-9a-fA-F]{32}$/,
};

interface TwilioAdapterOptions extends ProviderTransport, Omit<TwilioBrowserKeys, 'accountSid'> {
  accountSid: string;
  authToken: string;
  /** Default https://api.twilio.com; the simulated carrier and tests point it at the local fake. */
  apiBaseUrl?: string;
  /** 'simulator' when this adapter drives the simulated carrier. */
  provider?: Extract<ProviderName, 'twilio' | 'simulator'>;
}

/** Twilio: TwiML documents, X-Twilio-Signature webhooks, the 2010-04-01 REST API. */
export function createTwilioAdapter(options: TwilioAdapterOptions): WebhookTelephony {
  const provider = options.provider ?? 'twilio';
  const ids: TwilioIdForms = { provider, ...TWILIO_IDS };
  const http = new ProviderHttp({
    provider,
    baseUrl: `${(options.apiBaseUrl ?? TWILIO_API_BASE_URL).replace(/\/+$/, '')}${TWILIO_API_VERSION_PATH}`,
    username: options.accountSid,
    password: options.authToken,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });
  const rest = new TwilioRestClient({ accountSid: options.accountSid, ids, http });
  // Twilio's calls meet in a <Conference>, so hold and hand-over happen at Twilio. The simulated
  // carrier keeps <Enqueue>/<Dial><Queue>: it moves browser audio itself (calls/browser.ts).
  const conferences =
    provider === 'twilio'
      ? new TwilioConferences({
          http,
          accountSid: options.accountSid,
          ids,
          browserAddress: twilioClientAddress,
          cancelLeg: (legId) => rest.cancelLeg(legId),
        })
      : undefined;
  const dialect = {
    ...TWIML,
    provider,
    conferenceBridge: conferences ? { volunteerEndsConference: true } : undefined,
  };
  // The simulated carrier connects browsers itself (calls/browser.ts), not through the SDK.
  const browserCredential = provider === 'twilio' ? twilioBrowserCalling(options) : undefined;
  return {
    provider,
    transport: 'webhook',
    // A browser logs in with a token signed under the API key, for the TwiML app: all three needed.
    ringsBrowsers:
      provider === 'twilio' && Boolean(options.apiKeySid && options.apiKeySecret && options.twimlAppSid),
    verifyWebhook: (request: WebhookRequest) => verifyTwilioWebhook(options.authToken, request),
    ...twilioParsers(ids),
    render: (instructions: Instruction[]) => renderMarkup(dialect, instructions),
    acknowledge: () => renderMarkup(dialect, []),
    ...restCallControl(rest),
    ...(conferences ? { connectedCalls: conferences } : {}),
    ...(browserCredential ? { browserCredential } : {}),
  };
}
