import type { ProviderTransport } from '../../telephony/http.js';
import { SIGNALWIRE_API_PATH } from '../../telephony/signalwire/adapter.js';
import { verifySignalWireWebhook } from '../../telephony/signalwire/signature.js';
import type { MessagingChannel } from '../channel.js';
import { createTwilioChannel } from '../twilio/adapter.js';

/**
 * SignalWire SMS through its Twilio-compatible (LaML) Messages API: the same form webhooks and
 * REST calls as Twilio under the space's URL, UUID ids, and webhooks signed with the project's
 * signing key (telephony/signalwire/signature.ts: both of SignalWire's constructions).
 */
interface SignalWireChannelOptions extends ProviderTransport {
  projectId: string;
  apiToken: string;
  signingKey: string;
  spaceUrl: string;
  statusUrl: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createSignalWireChannel(options: SignalWireChannelOptions): MessagingChannel {
  return createTwilioChannel({
    id: 'signalwire-sms',
    accountSid: options.projectId,
    authToken: options.apiToken,
    apiBaseUrl: options.spaceUrl,
    statusUrl: options.statusUrl,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
    dialect: {
      apiPath: SIGNALWIRE_API_PATH,
      messageId: UUID,
      mediaId: UUID,
      verify: (request) => verifySignalWireWebhook(options.signingKey, request),
    },
  });
}
