import { E164 } from '@llamenos/protocol';
import { ProviderResponseError, TelephonyInputError } from '../../telephony/errors.js';
import { ProviderHttp, type ProviderTransport } from '../../telephony/http.js';
import { PLIVO_API_BASE_URL } from '../../telephony/plivo/adapter.js';
import { verifyPlivoWebhook } from '../../telephony/plivo/signature.js';
import type { WebhookRequest } from '../../telephony/provider.js';
import {
  ChannelInputError,
  type DeliveryStatus,
  type InboundMedia,
  type InboundParse,
  type MessagingChannel,
} from '../channel.js';
import {
  answerOk,
  checkAnnouncedMedia,
  deliveryReport,
  numericErrorCode,
  oneMessage,
  postReply,
  SHARED_SMS_STATUSES,
  sendingReply,
  streamMedia,
  urlOrNull,
} from '../provider-io.js';

/**
 * Plivo SMS/MMS: inbound messages and delivery reports are form POSTs signed with
 * X-Plivo-Signature-V3 and its nonce (the voice scheme, telephony/plivo/signature.ts); replies go
 * through POST /v1/Account/{auth_id}/Message/. Plivo writes numbers without the "+".
 */
interface PlivoChannelOptions extends ProviderTransport {
  authId: string;
  authToken: string;
  /** Default https://api.plivo.com; tests point it (and media downloads) at the local fake. */
  apiBaseUrl?: string;
  statusUrl: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Plivo serves MMS media from its API host; nothing else is fetched with our credentials. */
const MEDIA_PATH =
  /^\/v1\/Account\/([A-Z0-9]{20})\/Message\/([0-9a-f-]{36})\/Media\/([0-9a-zA-Z-]{1,64})\/?$/;
const MAX_MEDIA = 10;

const STATUSES: Record<string, DeliveryStatus> = { ...SHARED_SMS_STATUSES, rejected: 'failed' };

/** "14155550100" (Plivo) → "+14155550100", if it is a number at all. */
function e164(value: string | null, field: string): string {
  const number = value?.startsWith('+') ? value : `+${value ?? ''}`;
  if (!E164.safeParse(number).success) throw new ChannelInputError(`${field} is not a phone number`);
  return number;
}

export function createPlivoChannel(options: PlivoChannelOptions): MessagingChannel {
  const id = 'plivo-sms' as const;
  const apiOrigin = (options.apiBaseUrl ?? PLIVO_API_BASE_URL).replace(/\/+$/, '');
  const http = new ProviderHttp({
    provider: id,
    baseUrl: apiOrigin,
    username: options.authId,
    password: options.authToken,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });
  const account = `/v1/Account/${options.authId}`;

  const mediaPath = (ref: string, operation: string): string => {
    const url = urlOrNull(ref);
    const match = url ? MEDIA_PATH.exec(url.pathname) : null;
    if (!url || url.origin !== apiOrigin || url.search || !match || match[1] !== options.authId)
      throw new TelephonyInputError(id, operation, 'media ref is not a media item of this account');
    return url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  };

  function parse(request: WebhookRequest): InboundParse {
    const form = request.form;
    const uuid = form.get('MessageUUID');
    if (!uuid || !UUID.test(uuid)) throw new ChannelInputError('MessageUUID is missing or malformed');
    const status = form.get('Status');
    if (status !== null)
      return deliveryReport(uuid, STATUSES[status], numericErrorCode(form.get('ErrorCode')));
    const media: InboundMedia[] = [];
    for (let i = 0; i < MAX_MEDIA; i++) {
      const ref = form.get(`Media${i}`);
      if (!ref) break;
      checkAnnouncedMedia(() => mediaPath(ref, 'parse'), `Media${i} is not a media item of this account`);
      media.push({ ref, contentType: null });
    }
    return oneMessage({
      providerMessageId: uuid,
      from: e164(form.get('From'), 'From'),
      to: e164(form.get('To'), 'To'),
      body: form.get('Text') ?? '',
      media,
    });
  }

  return {
    id,
    kind: 'sms',
    verify: (request) => verifyPlivoWebhook(options.authToken, request),
    parse,
    answer: answerOk,

    send: (message) =>
      sendingReply(message, async () => {
        const data = await postReply(http, `${account}/Message/`, {
          src: message.from.slice(1),
          dst: message.to.slice(1),
          text: message.body,
          url: options.statusUrl,
          method: 'POST',
        });
        const uuid = Array.isArray(data.message_uuid) ? data.message_uuid[0] : undefined;
        if (typeof uuid !== 'string' || !UUID.test(uuid))
          throw new ProviderResponseError(id, 'send message', 'answer has no message uuid');
        return { providerMessageId: uuid };
      }),

    fetchMedia: async (media) =>
      streamMedia(http, { path: mediaPath(media.ref, 'fetch media') }, options.timeoutMs),

    async deleteMedia(media) {
      const op = 'delete media';
      await http.deleteIfPresent({ operation: op, path: mediaPath(media.ref, op) });
    },
  };
}
