import { ProviderHttp, type ProviderTransport } from '../http.js';
import { restCallControl, type WebhookTelephony } from '../provider.js';
import { type TwilioIdForms, twilioParsers } from '../twilio/events.js';
import { TwilioRestClient } from '../twilio/rest.js';
import { type MarkupDialect, renderMarkup } from '../twilio/twiml.js';
import { signalWireBrowserCalling } from './relay-token.js';
import { verifySignalWireWebhook } from './signature.js';

/**
 * SignalWire through its compatibility API: LaML (cXML) documents, which share TwiML's verbs;
 * the Twilio REST resources under https://<space>.signalwire.com/api/laml/2010-04-01 with
 * basic auth project id : API token; webhooks signed with the project's signing key.
 */
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const SIGNALWIRE_IDS: TwilioIdForms = { provider: 'signalwire', call: UUID, recording: UUID };
export const SIGNALWIRE_API_PATH = '/api/laml/2010-04-01';

export const LAML: MarkupDialect = { provider: 'signalwire' };

interface SignalWireAdapterOptions extends ProviderTransport {
  projectId: string;
  apiToken: string;
  /** "https://<space>.signalwire.com" (validated when the credentials were saved). */
  spaceUrl: string;
  signingKey: string;
}

export function createSignalWireAdapter(options: SignalWireAdapterOptions): WebhookTelephony {
  const ids = SIGNALWIRE_IDS;
  const space = options.spaceUrl.replace(/\/+$/, '');
  const auth = {
    provider: 'signalwire',
    username: options.projectId,
    password: options.apiToken,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  };
  const rest = new TwilioRestClient({
    accountSid: options.projectId,
    ids,
    http: new ProviderHttp({ ...auth, baseUrl: `${space}${SIGNALWIRE_API_PATH}` }),
  });
  return {
    provider: 'signalwire',
    transport: 'webhook',
    verifyWebhook: (request) => verifySignalWireWebhook(options.signingKey, request),
    ...twilioParsers(ids),
    render: (instructions) => renderMarkup(LAML, instructions),
    acknowledge: () => renderMarkup(LAML, []),
    ...restCallControl(rest),
    browserCredential: signalWireBrowserCalling(new ProviderHttp({ ...auth, baseUrl: space })),
  };
}
