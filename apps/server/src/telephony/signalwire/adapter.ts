import { BrowserCallingNotConfiguredError } from '../browser/credential.js';
import { ProviderHttp, type ProviderTransport } from '../http.js';
import { restCallControl, type WebhookTelephony } from '../provider.js';
import { LAML_CONFERENCES, TwilioConferences } from '../twilio/conference.js';
import { type TwilioIdForms, twilioParsers } from '../twilio/events.js';
import { TwilioRestClient } from '../twilio/rest.js';
import { type MarkupDialect, renderMarkup } from '../twilio/twiml.js';
import { element } from '../xml.js';
import { signalWireBrowserCalling } from './relay-token.js';
import { verifySignalWireWebhook } from './signature.js';

/**
 * SignalWire through its compatibility API: LaML (cXML) documents, which share TwiML's verbs;
 * the Twilio REST resources under https://<space>.signalwire.com/api/laml/2010-04-01 with
 * basic auth project id : API token (Calls, Recordings, Conferences and their Participants);
 * webhooks signed with the project's signing key.
 */
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const SIGNALWIRE_IDS: TwilioIdForms = { provider: 'signalwire', call: UUID, recording: UUID };
export const SIGNALWIRE_API_PATH = '/api/laml/2010-04-01';

/**
 * LaML with no space known: everything but ringing a browser (which needs the space's Verto
 * domain). Callers meet volunteers in a <Conference> (held and handed over at SignalWire,
 * twilio/conference.ts), which a volunteer's leaving does not end: SignalWire cannot change that
 * flag for a hand-over, so the router hangs up the caller when the answering volunteer's leg ends.
 */
const LAML_VERBS: MarkupDialect = {
  provider: 'signalwire',
  conferenceBridge: { volunteerEndsConference: false },
};
export const LAML: MarkupDialect = { ...LAML_VERBS, browserCalling: false };

/** The space's name: "example" for https://example.signalwire.com; null for any other host. */
export function spaceNameOf(spaceUrl: string): string | null {
  try {
    return /^([a-z0-9][a-z0-9-]{0,62})\.signalwire\.com$/.exec(new URL(spaceUrl).hostname)?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * Where SignalWire rings a RELAY browser client that logged in with a JWT for `identity`
 * (relay-token.ts): the cXML <Verto> noun's address, <resource>@<space SIP domain>.verto.
 * signalwire.com. The SIP domain is taken to be the space's name.
 */
export const vertoAddress = (space: string, identity: string) => `${identity}@${space}.verto.signalwire.com`;

/** LaML for one space: its <Dial> rings browsers with <Verto>. */
export function lamlFor(space: string | null): MarkupDialect {
  return space
    ? {
        ...LAML_VERBS,
        browserNoun: (identity) => element('Verto', {}, { text: vertoAddress(space, identity) }),
      }
    : LAML;
}

interface SignalWireAdapterOptions extends ProviderTransport {
  projectId: string;
  apiToken: string;
  /** "https://<space>.signalwire.com" (validated when the credentials were saved). */
  spaceUrl: string;
  signingKey: string;
  /** The space's name for Verto addresses; default: from `spaceUrl` (tests point that elsewhere). */
  spaceName?: string | null;
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
  const spaceName = options.spaceName === undefined ? spaceNameOf(options.spaceUrl) : options.spaceName;
  const dialect = lamlFor(spaceName);
  const http = new ProviderHttp({ ...auth, baseUrl: `${space}${SIGNALWIRE_API_PATH}` });
  // A REST leg to a browser: the same Verto address, as a "verto:" URI.
  const browserAddress = (identity: string) => {
    if (!spaceName) throw new BrowserCallingNotConfiguredError('the SignalWire space has no Verto domain');
    return `verto:${vertoAddress(spaceName, identity)}`;
  };
  const rest = new TwilioRestClient({ accountSid: options.projectId, ids, http, browserAddress });
  const conferences = new TwilioConferences({
    http,
    accountSid: options.projectId,
    ids,
    api: LAML_CONFERENCES,
    browserAddress,
    cancelLeg: (legId) => rest.cancelLeg(legId),
  });
  return {
    provider: 'signalwire',
    transport: 'webhook',
    // A browser is reached at the space's Verto domain: without the space's name there is none.
    ringsBrowsers: spaceName !== null,
    verifyWebhook: (request) => verifySignalWireWebhook(options.signingKey, request),
    ...twilioParsers(ids),
    render: (instructions) => renderMarkup(dialect, instructions),
    acknowledge: () => renderMarkup(dialect, []),
    ...restCallControl(rest),
    connectedCalls: conferences,
    browserCredential: signalWireBrowserCalling(
      new ProviderHttp({ ...auth, baseUrl: space }),
      options.projectId,
    ),
  };
}
