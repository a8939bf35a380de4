import { E164 } from '@llamenos/protocol';
import { ProviderHttpError, ProviderResponseError, TelephonyInputError } from '../../telephony/errors.js';
import { ProviderHttp, type ProviderTransport } from '../../telephony/http.js';
import type { WebhookRequest } from '../../telephony/provider.js';
import { TWILIO_API_BASE_URL, TWILIO_API_VERSION_PATH } from '../../telephony/twilio/adapter.js';
import { verifyTwilioWebhook } from '../../telephony/twilio/signature.js';
import {
  ChannelInputError,
  type DeliveryStatus,
  type InboundMedia,
  type InboundParse,
  type MessagingChannel,
} from '../channel.js';
import {
  checkAnnouncedMedia,
  deliveryReport,
  numericErrorCode,
  oneMessage,
  refuseOutsideWindow,
  SHARED_SMS_STATUSES,
  sendingReply,
  streamMedia,
} from '../provider-io.js';

/**
 * Twilio Programmable Messaging, for SMS and for WhatsApp (Twilio's WhatsApp senders): inbound
 * messages and delivery statuses arrive as form POSTs signed with X-Twilio-Signature (the voice
 * scheme, reused from telephony/twilio); replies go out through the Messages API. On WhatsApp
 * "whatsapp:" prefixes every address. The simulated carrier runs this adapter against its own
 * fake Messages API, with an account derived from SERVER_SECRET.
 */
export interface TwilioChannelOptions extends ProviderTransport {
  id: 'twilio-sms' | 'twilio-whatsapp' | 'signalwire-sms';
  accountSid: string;
  authToken: string;
  /** SignalWire's compatibility API: its path, its ids and its signing key; Twilio's by default. */
  dialect?: TwilioDialect;
  /** Default https://api.twilio.com; the simulated carrier and tests point it at a local fake. */
  apiBaseUrl?: string;
  /** Where Twilio reports the delivery of what we send (PUBLIC_URL/api/messaging/<id>/status). */
  statusUrl: string;
  /** WhatsApp only: the approved Content template sent when a reply falls outside the 24-hour window. */
  outsideWindowTemplate?: string | null;
}

/** Where a Twilio-compatible API lives and what its ids look like. */
export interface TwilioDialect {
  apiPath: string;
  messageId: RegExp;
  mediaId: RegExp;
  /** True for a request signed by the provider with our secret. */
  verify(request: WebhookRequest): boolean;
}

const twilioDialect = (authToken: string): TwilioDialect => ({
  apiPath: TWILIO_API_VERSION_PATH,
  messageId: /^(SM|MM)[0-9a-fA-F]{32}$/,
  mediaId: /^ME[0-9a-fA-F]{32}$/,
  verify: (request) => verifyTwilioWebhook(authToken, request),
});
const MEDIA_PATH = /^\/Accounts\/([^/]+)\/Messages\/([^/]+)\/Media\/([^/]+)$/;
/** Twilio: "Message failed to send because more than 24 hours have passed since the customer last replied". */
const OUTSIDE_WINDOW_CODE = 63016;
/** Twilio announces at most 10 media items per message. */
const MAX_MEDIA = 10;

/** Twilio's MessageStatus words onto ours; anything else (accepted, scheduled, receiving …) is not news. */
const STATUSES: Record<string, DeliveryStatus> = { ...SHARED_SMS_STATUSES, sending: 'queued' };

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** Which account and flavour an adapter speaks for: what its parsing and sending check against. */
interface TwilioAccount {
  id: TwilioChannelOptions['id'];
  accountSid: string;
  whatsapp: boolean;
  apiOrigin: string;
  dialect: TwilioDialect;
  statusUrl: string;
  outsideWindowTemplate?: string | null;
}

/** "whatsapp:+1555…" on WhatsApp, "+1555…" on SMS; anything else is not an address of this channel. */
function channelAddress(account: TwilioAccount, value: string | null, field: string): string {
  const raw = account.whatsapp ? (value?.startsWith('whatsapp:') ? value.slice(9) : null) : value;
  if (raw === null || !E164.safeParse(raw).success)
    throw new ChannelInputError(`${field} is not a ${account.whatsapp ? 'WhatsApp' : 'phone'} address`);
  return raw;
}

const wireAddress = (account: TwilioAccount, number: string) =>
  account.whatsapp ? `whatsapp:${number}` : number;

/** The media's path on the API, if `ref` names a media item of our account (never any other URL). */
function accountMediaPath(account: TwilioAccount, ref: string, operation: string): string {
  const { dialect } = account;
  let url: URL;
  try {
    url = new URL(ref);
  } catch {
    throw new TelephonyInputError(account.id, operation, 'media ref is not a URL');
  }
  const path = url.pathname.startsWith(dialect.apiPath) ? url.pathname.slice(dialect.apiPath.length) : '';
  const match = MEDIA_PATH.exec(path);
  if (
    url.origin !== account.apiOrigin ||
    url.search ||
    !match ||
    match[1] !== account.accountSid ||
    !dialect.messageId.test(match[2]!) ||
    !dialect.mediaId.test(match[3]!)
  )
    throw new TelephonyInputError(account.id, operation, 'media ref is not a media item of this account');
  return path;
}

/** A webhook's form: a delivery status, or an inbound message with its announced media. */
function parseWebhook(account: TwilioAccount, request: WebhookRequest): InboundParse {
  const form = request.form;
  const sid = form.get('MessageSid');
  if (!sid || !account.dialect.messageId.test(sid))
    throw new ChannelInputError('MessageSid is missing or malformed');
  const status = form.get('MessageStatus');
  if (status !== null) return deliveryReport(sid, STATUSES[status], numericErrorCode(form.get('ErrorCode')));
  const count = Number(form.get('NumMedia') ?? '0');
  if (!Number.isInteger(count) || count < 0 || count > MAX_MEDIA)
    throw new ChannelInputError('NumMedia is malformed');
  const media: InboundMedia[] = [];
  for (let i = 0; i < count; i++) {
    const ref = form.get(`MediaUrl${i}`);
    if (!ref) throw new ChannelInputError(`MediaUrl${i} is missing`);
    checkAnnouncedMedia(
      () => accountMediaPath(account, ref, 'parse'),
      `MediaUrl${i} is not a media item of this account`,
    );
    media.push({ ref, contentType: form.get(`MediaContentType${i}`)?.slice(0, 100) ?? null });
  }
  return oneMessage({
    providerMessageId: sid,
    from: channelAddress(account, form.get('From'), 'From'),
    to: channelAddress(account, form.get('To'), 'To'),
    body: form.get('Body') ?? '',
    media,
  });
}

async function createMessage(
  http: ProviderHttp,
  account: TwilioAccount,
  form: [string, string][],
): Promise<string> {
  const { data } = await http.json({
    operation: 'send message',
    method: 'POST',
    path: `/Accounts/${account.accountSid}/Messages.json`,
    form,
  });
  if (typeof data.sid !== 'string' || !account.dialect.messageId.test(data.sid))
    throw new ProviderResponseError(account.id, 'send message', 'answer has no valid message sid');
  return data.sid;
}

export function createTwilioChannel(options: TwilioChannelOptions): MessagingChannel {
  const whatsapp = options.id === 'twilio-whatsapp';
  const dialect = options.dialect ?? twilioDialect(options.authToken);
  const apiOrigin = (options.apiBaseUrl ?? TWILIO_API_BASE_URL).replace(/\/+$/, '');
  const http = new ProviderHttp({
    provider: options.id,
    baseUrl: `${apiOrigin}${dialect.apiPath}`,
    username: options.accountSid,
    password: options.authToken,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });
  const account: TwilioAccount = {
    id: options.id,
    accountSid: options.accountSid,
    whatsapp,
    apiOrigin,
    dialect,
    statusUrl: options.statusUrl,
    outsideWindowTemplate: options.outsideWindowTemplate,
  };

  return {
    id: options.id,
    kind: whatsapp ? 'whatsapp' : 'sms',
    verify: (request) => dialect.verify(request),
    parse: (request) => parseWebhook(account, request),
    answer: () => ({ status: 200, contentType: 'text/xml', body: EMPTY_TWIML }),

    send: (message) =>
      sendingReply(message, async () => {
        try {
          const sid = await createMessage(http, account, [
            ['To', wireAddress(account, message.to)],
            ['From', wireAddress(account, message.from)],
            ['Body', message.body],
            ['StatusCallback', options.statusUrl],
          ]);
          return { providerMessageId: sid };
        } catch (error) {
          if (whatsapp && error instanceof ProviderHttpError && error.providerCode === OUTSIDE_WINDOW_CODE)
            return refuseOutsideWindow(account.outsideWindowTemplate, (template) =>
              createMessage(http, account, [
                ['To', wireAddress(account, message.to)],
                ['From', wireAddress(account, message.from)],
                ['ContentSid', template],
                ['StatusCallback', account.statusUrl],
              ]),
            );
          throw error;
        }
      }),

    fetchMedia: async (media) =>
      streamMedia(http, { path: accountMediaPath(account, media.ref, 'fetch media') }, options.timeoutMs),

    async deleteMedia(media) {
      await http.deleteIfPresent({
        operation: 'delete media',
        path: `${accountMediaPath(account, media.ref, 'delete media')}.json`,
      });
    },
  };
}
