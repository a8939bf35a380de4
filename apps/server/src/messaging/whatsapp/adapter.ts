import { ProviderHttpError, ProviderResponseError, TelephonyInputError } from '../../telephony/errors.js';
import { ProviderHttp, type ProviderTransport } from '../../telephony/http.js';
import type { MessagingChannel } from '../channel.js';
import { answerOk, refuseOutsideWindow, sendingReply, streamMedia } from '../provider-io.js';
import { parseMetaWebhook, verifyMetaWebhook } from './webhook.js';

/**
 * WhatsApp through Meta's Cloud API (Graph API): replies are POSTed to /<phone number id>/messages
 * with the system user's access token; media is fetched in two steps (its metadata by id, which
 * names a short-lived URL on Meta's CDN, then that URL with the same bearer token) and deleted by
 * id once sealed on our side.
 */
interface MetaWhatsAppOptions extends ProviderTransport {
  phoneNumberId: string;
  accessToken: string;
  appSecret: string;
  outsideWindowTemplate: { name: string; language: string } | null;
  /** Default https://graph.facebook.com; tests point it at the local fake. */
  apiBaseUrl?: string;
  /** Tests only: where media bytes are fetched instead of Meta's CDN host. */
  mediaBaseUrl?: string;
}

export const META_GRAPH_BASE_URL = 'https://graph.facebook.com';
export const META_GRAPH_VERSION = 'v21.0';
/** Meta serves media files from its CDN host only; nothing else is fetched with our token. */
const MEDIA_HOST = /^lookaside\.fbsbx\.com$/;
const MEDIA_ID = /^\d{1,32}$/;
/** Meta: "Re-engagement message": more than 24 hours since the customer last wrote. */
const OUTSIDE_WINDOW_CODE = 131047;

/** The Graph API's refusals are {"error": {"code", "message"}}: read here, since they nest. */
function graphError(data: Record<string, unknown>): { code: number | null; message: string | null } {
  const error = data.error as { code?: unknown; message?: unknown } | undefined;
  return {
    code: typeof error?.code === 'number' ? error.code : null,
    message: typeof error?.message === 'string' ? error.message : null,
  };
}

/** A send WhatsApp refused because the 24-hour window is closed. */
class OutsideWindow extends Error {}

const ID = 'whatsapp' as const;

function checkedMediaId(ref: string, operation: string): string {
  if (!MEDIA_ID.test(ref)) throw new TelephonyInputError(ID, operation, 'media ref is not a media id');
  return ref;
}

/** Sends one message from our number; the closed 24-hour window is thrown as OutsideWindow. */
async function postMessage(
  http: ProviderHttp,
  options: MetaWhatsAppOptions,
  payload: Record<string, unknown>,
): Promise<string> {
  const op = 'send message';
  const { status, data } = await http.json({
    operation: op,
    method: 'POST',
    path: `/${options.phoneNumberId}/messages`,
    json: { messaging_product: 'whatsapp', recipient_type: 'individual', ...payload },
    okStatuses: [400],
  });
  if (status === 400) {
    const { code, message } = graphError(data);
    if (code === OUTSIDE_WINDOW_CODE) throw new OutsideWindow();
    throw new ProviderHttpError(ID, op, status, code, message);
  }
  const messages = data.messages as { id?: unknown }[] | undefined;
  const sent = Array.isArray(messages) ? messages[0]?.id : undefined;
  if (typeof sent !== 'string' || !sent)
    throw new ProviderResponseError(ID, 'send message', 'answer has no message id');
  return sent;
}

/** Media in two steps: its metadata by id names a short-lived CDN URL, fetched with the same token. */
async function fetchMetaMedia(http: ProviderHttp, options: MetaWhatsAppOptions, ref: string) {
  const op = 'fetch media';
  const { data } = await http.json({ operation: op, method: 'GET', path: `/${checkedMediaId(ref, op)}` });
  let url: URL;
  try {
    url = new URL(String(data.url));
  } catch {
    throw new ProviderResponseError(ID, op, 'media metadata has no URL');
  }
  // Only Meta's media host gets our token (tests move that host to a local fake, never widen it).
  if (url.protocol !== 'https:' || !MEDIA_HOST.test(url.hostname))
    throw new ProviderResponseError(ID, op, 'media URL is not on Meta’s media host');
  const absoluteUrl = options.mediaBaseUrl
    ? `${options.mediaBaseUrl.replace(/\/+$/, '')}${url.pathname}${url.search}`
    : url.href;
  return streamMedia(http, { absoluteUrl }, options.timeoutMs);
}

export function createMetaWhatsAppChannel(options: MetaWhatsAppOptions): MessagingChannel {
  const http = new ProviderHttp({
    provider: ID,
    baseUrl: `${(options.apiBaseUrl ?? META_GRAPH_BASE_URL).replace(/\/+$/, '')}/${META_GRAPH_VERSION}`,
    authorization: () => `Bearer ${options.accessToken}`,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });

  return {
    id: ID,
    kind: 'whatsapp',
    verify: (request) => verifyMetaWebhook(options.appSecret, request),
    parse: parseMetaWebhook,
    answer: answerOk,

    send: (message) =>
      sendingReply(
        message,
        async () => {
          try {
            const sent = await postMessage(http, options, {
              to: message.to.slice(1),
              type: 'text',
              text: { body: message.body },
            });
            return { providerMessageId: sent };
          } catch (error) {
            if (error instanceof OutsideWindow)
              return refuseOutsideWindow(options.outsideWindowTemplate, (template) =>
                postMessage(http, options, {
                  to: message.to.slice(1),
                  type: 'template',
                  template: { name: template.name, language: { code: template.language } },
                }),
              );
            throw error;
          }
        },
        // Meta sends from the number's id, not from an address of ours.
        [message.to],
      ),

    fetchMedia: (media) => fetchMetaMedia(http, options, media.ref),

    async deleteMedia(media) {
      const op = 'delete media';
      await http.deleteIfPresent({ operation: op, path: `/${checkedMediaId(media.ref, op)}` });
    },
  };
}
