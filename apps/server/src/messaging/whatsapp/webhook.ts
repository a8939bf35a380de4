import { createHmac } from 'node:crypto';
import { constantTimeEqualText } from '@llamenos/crypto';
import { z } from 'zod';
import type { WebhookRequest } from '../../telephony/provider.js';
import {
  ChannelInputError,
  type DeliveryStatus,
  type InboundMessage,
  type InboundParse,
  type StatusUpdate,
} from '../channel.js';

/**
 * The WhatsApp Cloud API's webhooks (Meta): a JSON POST signed with X-Hub-Signature-256,
 * "sha256=" + hex HMAC-SHA256 of the raw body under the Meta app's secret. The body holds
 * entries of changes; a "messages" change carries messages (text or media by id) or statuses.
 */
export const META_SIGNATURE_HEADER = 'x-hub-signature-256';

export const metaSignature = (appSecret: string, rawBody: Uint8Array | string): string =>
  `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;

/** Fails closed: no secret, no header, a malformed or wrong one → false; compared in constant time. */
export function verifyMetaWebhook(appSecret: string | null | undefined, request: WebhookRequest): boolean {
  const given = request.headers.get(META_SIGNATURE_HEADER);
  if (!appSecret || !given || request.method !== 'POST') return false;
  if (!/^sha256=[0-9a-fA-F]{64}$/.test(given)) return false;
  return constantTimeEqualText(metaSignature(appSecret, request.rawBody), given.toLowerCase());
}

const WaId = z.string().regex(/^[1-9]\d{6,14}$/);
const MessageId = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9._=+/:-]+$/);
const MediaId = z.string().regex(/^\d{1,32}$/);
const Media = z.object({
  id: MediaId,
  mime_type: z.string().max(100).optional(),
  caption: z.string().max(4096).optional(),
});

const MEDIA_TYPES = ['image', 'audio', 'video', 'document', 'sticker'] as const;

const Message = z.object({
  from: WaId,
  id: MessageId,
  type: z.string().max(32),
  text: z.object({ body: z.string().max(65_536) }).optional(),
  image: Media.optional(),
  audio: Media.optional(),
  video: Media.optional(),
  document: Media.optional(),
  sticker: Media.optional(),
  button: z.object({ text: z.string().max(4096) }).optional(),
});

const Status = z.object({
  id: MessageId,
  status: z.string().max(32),
  errors: z
    .array(z.object({ code: z.union([z.number(), z.string()]) }))
    .max(10)
    .optional(),
});

const Change = z.object({
  field: z.string().max(64),
  value: z
    .object({
      metadata: z.object({ phone_number_id: z.string().regex(/^\d{5,32}$/) }).optional(),
      messages: z.array(Message).max(100).optional(),
      statuses: z.array(Status).max(100).optional(),
    })
    .optional(),
});

const Delivery = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(z.object({ changes: z.array(Change).max(100) })).max(100),
});

const STATUSES: Record<string, DeliveryStatus> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
};

function messageOf(m: z.infer<typeof Message>, to: string): InboundMessage | null {
  const base = { providerMessageId: m.id, from: `+${m.from}`, to };
  if (m.type === 'text' && m.text) return { ...base, body: m.text.body, media: [] };
  if (m.type === 'button' && m.button) return { ...base, body: m.button.text, media: [] };
  const type = MEDIA_TYPES.find((t) => t === m.type);
  const media = type ? m[type] : undefined;
  if (!media) return null;
  return {
    ...base,
    body: media.caption ?? '',
    media: [{ ref: media.id, contentType: media.mime_type ?? null }],
  };
}

/**
 * What a verified delivery means. Reactions, system notices and other kinds are ignored. Meta
 * usually sends messages and receipts apart, but one delivery may batch both: neither is dropped.
 */
export function parseMetaWebhook(request: WebhookRequest): InboundParse {
  const parsed = Delivery.safeParse(request.json);
  if (!parsed.success) throw new ChannelInputError('not a WhatsApp Cloud API webhook payload');
  const messages: InboundMessage[] = [];
  const updates: StatusUpdate[] = [];
  for (const entry of parsed.data.entry)
    for (const change of entry.changes) {
      if (change.field !== 'messages' || !change.value) continue;
      const to = change.value.metadata?.phone_number_id;
      if (change.value.messages?.length && !to)
        throw new ChannelInputError('metadata.phone_number_id is missing');
      for (const m of change.value.messages ?? []) {
        const message = messageOf(m, to!);
        if (message) messages.push(message);
      }
      for (const s of change.value.statuses ?? []) {
        const status = STATUSES[s.status];
        if (status)
          updates.push({
            providerMessageId: s.id,
            status,
            errorCode: s.errors?.[0] ? String(s.errors[0].code).slice(0, 32) : null,
          });
      }
    }
  if (messages.length) return { kind: 'messages', messages, ...(updates.length ? { updates } : {}) };
  if (updates.length) return { kind: 'statuses', updates };
  return { kind: 'ignored' };
}
