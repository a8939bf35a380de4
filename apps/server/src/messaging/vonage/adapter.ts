import { z } from 'zod';
import { ProviderResponseError, TelephonyInputError } from '../../telephony/errors.js';
import { ProviderHttp, type ProviderTransport } from '../../telephony/http.js';
import type { WebhookRequest } from '../../telephony/provider.js';
import { VONAGE_API_BASE_URL } from '../../telephony/vonage/adapter.js';
import { signApplicationToken } from '../../telephony/vonage/jwt.js';
import { verifyVonageWebhook } from '../../telephony/vonage/signature.js';
import {
  ChannelInputError,
  type DeliveryStatus,
  type InboundParse,
  type MessagingChannel,
} from '../channel.js';
import {
  answerOk,
  checkAnnouncedMedia,
  deliveryReport,
  oneMessage,
  postReply,
  sendingReply,
  streamMedia,
  urlOrNull,
} from '../provider-io.js';

/**
 * Vonage's Messages API (SMS): inbound messages and statuses are JSON POSTs signed with an HS256
 * JWT under the account's signature secret whose payload_hash binds the body
 * (telephony/vonage/signature.ts, the voice scheme); replies are POST /v1/messages authenticated
 * with an RS256 application token. Vonage writes numbers without the "+".
 */
interface VonageChannelOptions extends ProviderTransport {
  applicationId: string;
  privateKey: string;
  signatureSecret: string;
  apiKey?: string;
  /** Default https://api.nexmo.com; tests point it (and media downloads) at the local fake. */
  apiBaseUrl?: string;
  now: () => Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Media lives on Vonage's API hosts under /v3/media/<uuid>; nothing else is fetched with our token. */
const MEDIA_HOST = /^(api|api-[a-z]{2})\.nexmo\.com$/;
const MEDIA_PATH = /^\/v3\/media\/[0-9a-f-]{36}$/i;

const STATUSES: Record<string, DeliveryStatus> = {
  submitted: 'sent',
  delivered: 'delivered',
  read: 'read',
  rejected: 'failed',
  undeliverable: 'failed',
};

const Number_ = z.string().regex(/^\+?[1-9]\d{6,14}$/);
const Inbound = z.object({
  message_uuid: z.string().regex(UUID),
  to: Number_,
  from: Number_,
  message_type: z.string().max(32),
  text: z.string().max(65_536).optional(),
  image: z.object({ url: z.string().max(2048) }).optional(),
});
const Status = z.object({
  message_uuid: z.string().regex(UUID),
  status: z.string().max(32),
  error: z.object({ type: z.string().max(512).optional() }).optional(),
});

const plus = (n: string) => (n.startsWith('+') ? n : `+${n}`);

const ID = 'vonage' as const;

/**
 * The media's URL if it is on Vonage's media store (in tests, `testOrigin`: the same path on the
 * fake).
 */
function mediaStoreUrl(testOrigin: string | undefined, ref: string, operation: string): string {
  const url = urlOrNull(ref);
  const onHost =
    url !== null &&
    (testOrigin ? url.origin === testOrigin : url.protocol === 'https:' && MEDIA_HOST.test(url.hostname));
  if (!url || !onHost || url.search || !MEDIA_PATH.test(url.pathname))
    throw new TelephonyInputError(ID, operation, 'media ref is not on Vonage’s media store');
  return url.href;
}

/** A webhook's JSON: a delivery status, a text, or an image on Vonage's media store. */
function parseWebhook(testOrigin: string | undefined, request: WebhookRequest): InboundParse {
  const status = Status.safeParse(request.json);
  if (status.success && typeof (request.json as { status?: unknown }).status === 'string') {
    const type = status.data.error?.type;
    // Vonage names an error by a URL whose last segment is its code.
    const errorCode = type ? (type.split('/').pop() ?? '').slice(0, 32) || null : null;
    return deliveryReport(status.data.message_uuid, STATUSES[status.data.status], errorCode);
  }
  const inbound = Inbound.safeParse(request.json);
  if (!inbound.success) throw new ChannelInputError('not a Vonage Messages API webhook payload');
  const m = inbound.data;
  const base = { providerMessageId: m.message_uuid, from: plus(m.from), to: plus(m.to) };
  if (m.message_type === 'text') return oneMessage({ ...base, body: m.text ?? '', media: [] });
  if (m.message_type === 'image' && m.image) {
    const { url } = m.image;
    checkAnnouncedMedia(
      () => mediaStoreUrl(testOrigin, url, 'parse'),
      'image.url is not on Vonage’s media store',
    );
    return oneMessage({ ...base, body: '', media: [{ ref: url, contentType: null }] });
  }
  return { kind: 'ignored' };
}

export function createVonageChannel(options: VonageChannelOptions): MessagingChannel {
  const testOrigin = options.apiBaseUrl?.replace(/\/+$/, '');
  const http = new ProviderHttp({
    provider: ID,
    baseUrl: testOrigin ?? VONAGE_API_BASE_URL,
    authorization: () =>
      `Bearer ${signApplicationToken({ applicationId: options.applicationId, privateKey: options.privateKey })}`,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });
  const mediaUrl = (ref: string, operation: string) => mediaStoreUrl(testOrigin, ref, operation);

  return {
    id: ID,
    kind: 'sms',
    verify: (request) =>
      verifyVonageWebhook(
        {
          signatureSecret: options.signatureSecret,
          apiKey: options.apiKey,
          applicationId: options.applicationId,
        },
        request,
        Math.floor(options.now().getTime() / 1000),
      ),
    parse: (request) => parseWebhook(testOrigin, request),
    answer: answerOk,

    send: (message) =>
      sendingReply(message, async () => {
        const data = await postReply(http, '/v1/messages', {
          message_type: 'text',
          channel: 'sms',
          to: message.to.slice(1),
          from: message.from.slice(1),
          text: message.body,
        });
        if (typeof data.message_uuid !== 'string' || !UUID.test(data.message_uuid))
          throw new ProviderResponseError(ID, 'send message', 'answer has no message uuid');
        return { providerMessageId: data.message_uuid };
      }),

    fetchMedia: async (media) =>
      streamMedia(http, { absoluteUrl: mediaUrl(media.ref, 'fetch media') }, options.timeoutMs),

    async deleteMedia(media) {
      const op = 'delete media';
      await http.deleteIfPresent({ operation: op, path: '', absoluteUrl: mediaUrl(media.ref, op) });
    },
  };
}
