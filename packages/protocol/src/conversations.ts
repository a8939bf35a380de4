import { z } from 'zod';
import { Pubkey, Uuid, WrapText } from './primitives.js';
import { NoteEnvelope } from './records.js';
import { textBlock, textLine } from './text.js';

/**
 * Conversations: texts (SMS, WhatsApp, Signal) between a contact and the hotline
 * (docs/PROTOCOL.md §9.3). Every message body is sealed with purpose `message`, record id
 * `message:<messageId>`, for the conversation's assignee (if any) and every active member holding
 * `conversations:read-all`: inbound messages by the server on arrival, replies by the browser.
 * The server keeps the contact as a keyed hash plus the last four digits; no API answer and no
 * hub event carries a number, a body or a channel-side identity.
 *
 * Conversation states:
 *   waiting → nobody is assigned; the conversation is in the unassigned queue
 *   active  → a volunteer is assigned
 *   closed  → closed by a volunteer or admin; a new message from the contact reopens it
 */

export const ConversationStatus = z.enum(['waiting', 'active', 'closed']);
export type ConversationStatus = z.infer<typeof ConversationStatus>;

export const ConversationKind = z.enum(['sms', 'whatsapp', 'signal']);
export type ConversationKind = z.infer<typeof ConversationKind>;

export const MessageDirection = z.enum(['in', 'out']);
export type MessageDirection = z.infer<typeof MessageDirection>;

/** `received`: an inbound message; the others follow the provider's reports on a reply. */
export const MessageDelivery = z.enum([
  'received',
  'pending',
  'queued',
  'sent',
  'delivered',
  'read',
  'failed',
]);
export type MessageDelivery = z.infer<typeof MessageDelivery>;

/** The record id bound into a message's sealed body (content and wraps). */
export const messageRecordId = (messageId: string): string => `message:${messageId}`;
/** The record id bound into a media file's stream and its key wraps. */
export const messageMediaRecordId = (mediaId: string): string => `attachment:${mediaId}`;

/** The UTF-8 JSON sealed as a message's content, inbound or outbound. */
export interface MessagePayload {
  v: 1;
  body: string;
}

/** Longest reply a volunteer may send, in UTF-16 units (a long SMS is split by the provider). */
export const MESSAGE_BODY_MAX = 1600;

const RecordId = z
  .string()
  .regex(
    /^(message|attachment):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    'a message or media record id',
  );

export const ConversationIdParam = z.object({ id: Uuid }).strict();
export const ConversationMessageParam = z.object({ id: Uuid, mid: Uuid }).strict();
export const ConversationMediaParam = z.object({ id: Uuid, mediaId: Uuid }).strict();

/** `GET /api/conversations`. `scope=queue` lists the unassigned queue only. */
export const ConversationListQuery = z
  .object({
    status: ConversationStatus.optional(),
    scope: z.enum(['mine', 'queue', 'all']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();
export type ConversationListQuery = z.infer<typeof ConversationListQuery>;

export interface ConversationView {
  id: string;
  kind: ConversationKind;
  /** The adapter's id (`twilio-sms`, `whatsapp`, …): which provider carries it. */
  channel: string;
  status: ConversationStatus;
  /** User id of the assignee. */
  assignedTo: string | null;
  contactLast4: string | null;
  /** The contact sent STOP and has not sent START: replies are refused. */
  optedOut: boolean;
  lastMessageAt: string;
  /** Since when the conversation waits for a volunteer (status waiting), else null. */
  waitingSince: string | null;
  /** Inbound messages after the caller's last read mark. */
  unread: number;
  createdAt: string;
  closedAt: string | null;
}

export interface ConversationListResponse {
  conversations: ConversationView[];
  total: number;
}

/** A sealed envelope holding only the caller's own wrap (empty when not shared with them). */
export interface MessageEnvelopeView {
  v: 1;
  ciphertext: string;
  wraps: { reader: string; wrap: string }[];
}

export interface MessageMediaView {
  id: string;
  /** `stored`: the encrypted file is ready; `pending`: the fetch from the provider is being retried. */
  state: 'pending' | 'stored' | 'failed';
  contentType: string | null;
  /** Plaintext size rounded up to a power of two (at least 1 KiB), null until stored. */
  sizeBucket: number | null;
  /** base64url of the file key wrapped for the caller (PURPOSES.attachment, `attachment:<id>`). */
  wrap: string | null;
}

export interface MessageView {
  id: string;
  direction: MessageDirection;
  envelope: MessageEnvelopeView;
  createdAt: string;
  delivery: MessageDelivery;
  /** The provider's or the server's error code (e.g. `outside-24h-window`). */
  errorCode: string | null;
  /** Whether `retry` may help. */
  retryable: boolean;
  /** User id of the volunteer who wrote a reply; null for inbound. */
  author: string | null;
  media: MessageMediaView[];
}

export interface ConversationDetail {
  conversation: ConversationView;
  messages: MessageView[];
}

/** `POST /api/conversations/:id/transfer`: the user id of the new assignee. */
export const TransferConversationBody = z.object({ to: z.string().min(1).max(128) }).strict();

/**
 * `POST /api/conversations/:id/messages`. `body` is handed to the provider and forgotten;
 * `sealed` is the same text sealed in the browser (MessagePayload, purpose `message`, record id
 * `message:<id>`) for exactly the assignee and every member holding conversations:read-all.
 */
export const SendMessageBody = z
  .object({
    id: Uuid,
    body: textBlock(MESSAGE_BODY_MAX).refine((s) => s.length > 0, 'a reply cannot be empty'),
    sealed: NoteEnvelope,
  })
  .strict();
export type SendMessageBody = z.infer<typeof SendMessageBody>;

/**
 * `POST /api/conversations/:id/messages/:mid/retry`: the plaintext is not kept, so the browser
 * sends the body again (it decrypts its own sealed copy).
 */
export const RetryMessageBody = z
  .object({ body: textBlock(MESSAGE_BODY_MAX).refine((s) => s.length > 0, 'a reply cannot be empty') })
  .strict();

export interface MessageResponse {
  message: MessageView;
}

export interface ConversationResponse {
  conversation: ConversationView;
}

/**
 * `GET /api/conversations/:id/transfer-targets`: whom the caller may hand this conversation to —
 * the members on shift now who may hold conversations, the current assignee left out. Names
 * only: a volunteer cannot read the member list, and the transfer needs nothing more.
 */
export interface TransferTargetsResponse {
  targets: { id: string; displayName: string }[];
}

/**
 * History re-wrap (lesson 15). When a conversation changes hands the server records a request for
 * the new assignee; a member who can read the history (an admin, or the previous assignee) gets
 * their own wrap of every record the recipient lacks, unwraps each key and wraps it for the
 * recipient.
 */
export interface RewrapItem {
  recordId: string;
  purpose: 'message' | 'attachment';
  /** The caller's own wrap of the record's key. */
  wrap: string;
}

export interface RewrapRequestView {
  id: string;
  conversationId: string;
  /** Public key to wrap for (the current assignee). */
  recipient: string;
  createdAt: string;
  items: RewrapItem[];
}

export interface RewrapRequestsResponse {
  requests: RewrapRequestView[];
}

/** Wraps per `POST …/wraps` call; a longer history is posted in several calls. */
export const REWRAP_BATCH_MAX = 1000;

/** `POST /api/conversations/:id/wraps`. */
export const PostWrapsBody = z
  .object({
    recipient: Pubkey,
    wraps: z
      .array(z.object({ recordId: RecordId, wrap: WrapText }).strict())
      .min(1)
      .max(REWRAP_BATCH_MAX),
  })
  .strict();
export type PostWrapsBody = z.infer<typeof PostWrapsBody>;

export interface PostWrapsResponse {
  stored: number;
  /** Records of this conversation the recipient still cannot open. */
  remaining: number;
}

/** A language code as in the settings' `languages` ("en", "es", "pt-BR"). */
const LanguageCode = z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'a language code such as "en" or "es"');

/** The admin's `messaging` settings section. */
export const MessagingSettings = z
  .object({
    /** Open conversations one volunteer is offered at most. */
    capacityPerVolunteer: z.number().int().min(1).max(50),
    /** Sent when nobody is available; empty: send nothing. */
    noVolunteerReply: z.record(LanguageCode, textBlock(600)),
    /** Sent to a first-time contact (consent / privacy); empty: send nothing. */
    firstContactReply: z.record(LanguageCode, textBlock(600)),
    stopKeywords: z.array(textLine(20)).max(20),
    startKeywords: z.array(textLine(20)).max(20),
    /** Days after the last message a closed conversation is deleted; 0 keeps it. */
    retentionDays: z.number().int().min(0).max(36_500),
    /** Inbound messages per contact per hour before the contact is blocked for a while. */
    messagesPerContactPerHour: z.number().int().min(1).max(10_000),
  })
  .strict();
export type MessagingSettings = z.infer<typeof MessagingSettings>;

export const DEFAULT_MESSAGING_SETTINGS: MessagingSettings = {
  capacityPerVolunteer: 3,
  noVolunteerReply: {
    en: 'Thank you for writing. Everyone is busy right now; someone will answer as soon as possible.',
    es: 'Gracias por escribir. Todos están ocupados ahora; alguien responderá lo antes posible.',
  },
  firstContactReply: {
    en: 'You have reached a confidential hotline. Messages are encrypted. Reply STOP to stop receiving messages.',
    es: 'Ha contactado una línea confidencial. Los mensajes están cifrados. Responda STOP para no recibir más mensajes.',
  },
  stopKeywords: ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'ALTO'],
  startKeywords: ['START', 'UNSTOP', 'YES'],
  retentionDays: 0,
  messagesPerContactPerHour: 60,
};

/** Real-time events: ids only (the relay and even hub members learn nothing of the contact or content). */
export const MessageNewEvent = z
  .object({ type: z.literal('message:new'), conversationId: Uuid, messageId: Uuid })
  .strict();
export const ConversationAssignedEvent = z
  .object({
    type: z.literal('conversation:assigned'),
    conversationId: Uuid,
    /** Pubkey of the new assignee, or null when back in the queue. */
    assignee: Pubkey.nullable(),
  })
  .strict();
export const ConversationUpdatedEvent = z
  .object({ type: z.literal('conversation:updated'), conversationId: Uuid })
  .strict();
export const ConversationRewrapNeededEvent = z
  .object({ type: z.literal('conversation:rewrap-needed'), conversationId: Uuid })
  .strict();
