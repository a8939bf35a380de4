import { MESSAGING_CHANNELS, type MessagingChannelId } from '@llamenos/protocol';
import type { WebhookRequest } from '../telephony/provider.js';

/**
 * The contract between a messaging channel (an adapter per provider, under messaging/<channel>/)
 * and the conversations module. An adapter speaks its provider's wire format and signature scheme;
 * the conversations module never sees either. Plaintext (sender number, body, media bytes) exists
 * only in the memory of the request that carries it: the conversations module seals it on arrival.
 */

/** The path segment in `/api/messaging/<channel>/inbound` and `/status` (shared with the admin's screen). */
export const CHANNEL_IDS = MESSAGING_CHANNELS;
export type ChannelId = MessagingChannelId;

/** What the volunteer sees as the medium; it decides the rules (WhatsApp's 24-hour window, STOP). */
export type ChannelKind = 'sms' | 'whatsapp' | 'signal';

/** One media item as the provider announced it; the bytes are fetched by `fetchMedia`. */
export interface InboundMedia {
  /** The provider's handle: a media id (Meta, Signal) or URL (Twilio, Plivo, Vonage). */
  ref: string;
  /** As announced by the provider; informational only, never trusted for parsing. */
  contentType: string | null;
}

/** A message a contact sent to the hotline, as parsed from a verified webhook or socket frame. */
export interface InboundMessage {
  /** The provider's id of this message: retried deliveries carry the same one (dedupe key). */
  providerMessageId: string;
  /** The sender's address (E.164 number, or a Signal number/uuid). Memory only. */
  from: string;
  /** The hotline's number or account that received it: decides the hotline. */
  to: string;
  /** The text, possibly empty when only media was sent. Memory only. */
  body: string;
  media: InboundMedia[];
}

export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'failed';

/** A provider's report on a message the hotline sent. */
export interface StatusUpdate {
  providerMessageId: string;
  status: DeliveryStatus;
  /** The provider's error code when failed, shown to the volunteer. */
  errorCode: string | null;
}

/** An outbound reply handed to the provider. */
export interface OutboundMessage {
  to: string;
  /** The hotline's number/account to send from (the one the contact wrote to). */
  from: string;
  body: string;
}

/** A send the provider refused or that could not reach it. Shown on the message, never swallowed. */
export class ChannelSendError extends Error {
  constructor(
    /** Stable code for the UI and audit, e.g. 'outside-24h-window', 'provider-refused', 'unreachable'. */
    readonly code: string,
    message: string,
    /** Whether sending the same message again later may succeed. */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ChannelSendError';
  }
}

/** What a verified inbound webhook carried. */
export type InboundParse =
  /** Messages, and any delivery receipts that came in the same delivery (applied after them). */
  | { kind: 'messages'; messages: InboundMessage[]; updates?: StatusUpdate[] }
  | { kind: 'statuses'; updates: StatusUpdate[] }
  /** A well-formed event we do not act on (typing indicators, reactions, …). */
  | { kind: 'ignored' };

/** The HTTP answer a provider expects to a webhook (e.g. empty TwiML for Twilio). */
export interface WebhookAnswer {
  status: number;
  contentType: string;
  body: string;
}

export interface MessagingChannel {
  readonly id: ChannelId;
  readonly kind: ChannelKind;
  /** Fails closed: false for a missing, malformed or wrong signature, never throws for bad input. */
  verify(request: WebhookRequest): Promise<boolean> | boolean;
  /** Parses a verified request; throws ChannelInputError for a malformed one (→ 400, nothing stored). */
  parse(request: WebhookRequest): InboundParse;
  /** The answer for an accepted webhook. */
  answer(): WebhookAnswer;
  send(message: OutboundMessage): Promise<{ providerMessageId: string }>;
  /** Streams the media's bytes, without holding the whole file; throws on failure or timeout. */
  fetchMedia(media: InboundMedia): Promise<AsyncIterable<Uint8Array>>;
  /** Removes the media from the provider once it is sealed on our side. */
  deleteMedia(media: InboundMedia): Promise<void>;
}

/** A verified webhook whose content breaks the provider's format. */
export class ChannelInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChannelInputError';
  }
}

/**
 * What the conversations module offers to channels (implemented in conversations/ingest.ts and put on
 * the context as `ctx.conversations`): channels hand over parsed messages and statuses, nothing else.
 */
export interface ConversationIngest {
  /** Seals and stores the message (deduplicated by channel + providerMessageId), assigns, notifies. */
  receive(channel: MessagingChannel, message: InboundMessage): Promise<void>;
  applyStatus(channel: ChannelId, update: StatusUpdate): Promise<void>;
}
