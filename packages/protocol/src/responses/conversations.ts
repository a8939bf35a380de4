import { z } from 'zod';
import type {
  ConversationDetail,
  ConversationListResponse,
  ConversationResponse,
  ConversationView,
  MessageEnvelopeView,
  MessageMediaView,
  MessageResponse,
  MessageView,
  PostWrapsResponse,
  RewrapRequestsResponse,
  TransferTargetsResponse,
} from '../conversations.js';
import { ConversationKind, ConversationStatus, MessageDelivery, MessageDirection } from '../conversations.js';
import { SealedEnvelopeViewSchema } from './calls.js';
import { ExportEndLine } from './records.js';

/** Answers of the conversation routes, as the web client checks them on arrival. */

export const ConversationViewSchema = z.object({
  id: z.string(),
  kind: ConversationKind,
  channel: z.string(),
  status: ConversationStatus,
  assignedTo: z.string().nullable(),
  contactLast4: z.string().nullable(),
  optedOut: z.boolean(),
  lastMessageAt: z.string(),
  waitingSince: z.string().nullable(),
  unread: z.number().int(),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
}) satisfies z.ZodType<ConversationView>;

/** A message's envelope is the sealed envelope of the calls' metadata (PROTOCOL.md §9). */
const MessageEnvelopeViewSchema = SealedEnvelopeViewSchema satisfies z.ZodType<MessageEnvelopeView>;

const MessageMediaViewSchema = z.object({
  id: z.string(),
  state: z.enum(['pending', 'stored', 'failed']),
  contentType: z.string().nullable(),
  sizeBucket: z.number().int().nullable(),
  wrap: z.string().nullable(),
}) satisfies z.ZodType<MessageMediaView>;

export const MessageViewSchema = z.object({
  id: z.string(),
  direction: MessageDirection,
  envelope: MessageEnvelopeViewSchema,
  createdAt: z.string(),
  delivery: MessageDelivery,
  errorCode: z.string().nullable(),
  retryable: z.boolean(),
  author: z.string().nullable(),
  media: z.array(MessageMediaViewSchema),
}) satisfies z.ZodType<MessageView>;

/** `GET /api/conversations`. */
export const ConversationListResponseSchema = z.object({
  conversations: z.array(ConversationViewSchema),
  total: z.number().int(),
}) satisfies z.ZodType<ConversationListResponse>;

/** `GET /api/conversations/:id`. */
export const ConversationDetailSchema = z.object({
  conversation: ConversationViewSchema,
  messages: z.array(MessageViewSchema),
}) satisfies z.ZodType<ConversationDetail>;

/** `POST …/claim`, `…/transfer`, `…/close`, `…/reopen`, `…/read`. */
export const ConversationResponseSchema = z.object({
  conversation: ConversationViewSchema,
}) satisfies z.ZodType<ConversationResponse>;

/** `GET …/transfer-targets`. */
export const TransferTargetsResponseSchema = z.object({
  targets: z.array(z.object({ id: z.string(), displayName: z.string() })),
}) satisfies z.ZodType<TransferTargetsResponse>;

/** `POST …/messages` and `…/messages/:mid/retry`. */
export const MessageResponseSchema = z.object({
  message: MessageViewSchema,
}) satisfies z.ZodType<MessageResponse>;

/** `GET …/rewrap-requests`. */
export const RewrapRequestsResponseSchema = z.object({
  requests: z.array(
    z.object({
      id: z.string(),
      conversationId: z.string(),
      recipient: z.string(),
      createdAt: z.string(),
      items: z.array(
        z.object({ recordId: z.string(), purpose: z.enum(['message', 'attachment']), wrap: z.string() }),
      ),
    }),
  ),
}) satisfies z.ZodType<RewrapRequestsResponse>;

/** `POST …/wraps`. */
export const PostWrapsResponseSchema = z.object({
  stored: z.number().int(),
  remaining: z.number().int(),
}) satisfies z.ZodType<PostWrapsResponse>;

/**
 * One line of `GET /api/conversations/:id/export` (JSON lines): the conversation, then each
 * message with the exporting admin's own wrap only, then `end` with the count (a shorter answer
 * was cut). The browser opens them and seals the export file (PROTOCOL.md §10.3).
 */
export const ConversationExportLineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('conversation'), conversation: ConversationViewSchema }),
  z.object({ type: z.literal('message'), message: MessageViewSchema }),
  ExportEndLine,
]);
export type ConversationExportLine = z.infer<typeof ConversationExportLineSchema>;
