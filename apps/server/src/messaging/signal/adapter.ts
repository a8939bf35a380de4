import { E164 } from '@llamenos/protocol';
import { z } from 'zod';
import { ProviderResponseError, TelephonyInputError } from '../../telephony/errors.js';
import { ProviderHttp, type ProviderTransport } from '../../telephony/http.js';
import type { WebhookRequest } from '../../telephony/provider.js';
import {
  ChannelInputError,
  ChannelSendError,
  type InboundMessage,
  type InboundParse,
  type MessagingChannel,
} from '../channel.js';
import { postReply, refuseUnsendableBody, sending, streamMedia } from '../provider-io.js';

/**
 * Signal through a signal-cli-rest-api instance the operator runs (json-rpc mode) on a private
 * network. It has no request signing, so it never calls us: the server holds a WebSocket to
 * its /v1/receive/<number> (signal/receiver.ts) and hands each frame to `parse`; replies go out
 * by POST /v2/send; attachments are fetched and deleted under /v1/attachments/<id>. There are
 * no webhooks: `verify` refuses every HTTP request.
 */
interface SignalChannelOptions extends ProviderTransport {
  /** http(s) base of signal-cli-rest-api, loopback or private (checked when configured). */
  apiUrl: string;
  /** The hotline's Signal number, registered in signal-cli. */
  number: string;
}

const ATTACHMENT_ID = /^[A-Za-z0-9._-]{1,128}$/;
const MAX_ATTACHMENTS = 10;

const Frame = z.object({
  account: z.string().max(64).optional(),
  envelope: z.object({
    source: z.string().max(64).optional(),
    sourceNumber: z.string().max(64).nullable().optional(),
    sourceUuid: z.string().max(64).optional(),
    timestamp: z.number().int().positive(),
    dataMessage: z
      .object({
        message: z.string().max(65_536).nullable().optional(),
        attachments: z
          .array(
            z.object({
              id: z.string().regex(ATTACHMENT_ID),
              contentType: z.string().max(100).nullable().optional(),
            }),
          )
          .max(MAX_ATTACHMENTS)
          .optional(),
        groupInfo: z.unknown().optional(),
      })
      .optional(),
  }),
});

/** One frame of the receive socket: a direct message to the hotline, or nothing we act on. */
export function parseSignalFrame(frame: unknown, hotlineNumber: string): InboundParse {
  const parsed = Frame.safeParse(frame);
  if (!parsed.success) throw new ChannelInputError('not a signal-cli envelope');
  const { envelope, account } = parsed.data;
  const data = envelope.dataMessage;
  // Receipts, typing indicators, sync messages and group messages: not a contact writing to the hotline.
  if (!data || data.groupInfo !== undefined) return { kind: 'ignored' };
  const from = envelope.sourceNumber ?? envelope.source ?? envelope.sourceUuid;
  if (!from) throw new ChannelInputError('the envelope names no sender');
  const sender = envelope.sourceUuid ?? from;
  const message: InboundMessage = {
    // Signal names a message by its sender and its timestamp; a re-delivery carries both again.
    providerMessageId: `${sender}:${envelope.timestamp}`,
    from,
    to: account ?? hotlineNumber,
    body: data.message ?? '',
    media: (data.attachments ?? []).map((a) => ({ ref: a.id, contentType: a.contentType ?? null })),
  };
  if (!message.body && !message.media.length) return { kind: 'ignored' };
  return { kind: 'messages', messages: [message] };
}

export function createSignalChannel(options: SignalChannelOptions): MessagingChannel {
  const id = 'signal' as const;
  const http = new ProviderHttp({
    provider: id,
    baseUrl: options.apiUrl.replace(/\/+$/, ''),
    // signal-cli-rest-api takes no credentials; the header is required by ProviderHttp only.
    authorization: () => 'None',
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });
  const attachment = (ref: string, operation: string) => {
    if (!ATTACHMENT_ID.test(ref) || ref.startsWith('.'))
      throw new TelephonyInputError(id, operation, 'attachment ref is not an attachment id');
    return `/v1/attachments/${encodeURIComponent(ref)}`;
  };

  return {
    id,
    kind: 'signal',
    verify: () => false,
    parse: (request: WebhookRequest) => parseSignalFrame(request.json, options.number),
    answer: () => ({ status: 204, contentType: 'text/plain', body: '' }),

    send: (message) =>
      sending(async () => {
        refuseUnsendableBody(message.body);
        if (!E164.safeParse(message.to).success && !/^[0-9a-f-]{36}$/i.test(message.to))
          throw new ChannelSendError(
            'invalid-message',
            'the address is not a Signal number or account',
            false,
          );
        const data = await postReply(http, '/v2/send', {
          number: options.number,
          recipients: [message.to],
          message: message.body,
        });
        const timestamp = data.timestamp;
        if (typeof timestamp !== 'string' && typeof timestamp !== 'number')
          throw new ProviderResponseError(id, 'send message', 'answer has no timestamp');
        return { providerMessageId: `${options.number}:${timestamp}` };
      }),

    fetchMedia: async (media) =>
      streamMedia(http, { path: attachment(media.ref, 'fetch media') }, options.timeoutMs),

    async deleteMedia(media) {
      const op = 'delete media';
      await http.deleteIfPresent({ operation: op, path: attachment(media.ref, op) });
    },
  };
}
