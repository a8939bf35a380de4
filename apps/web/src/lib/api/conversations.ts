import {
  ConversationDetailSchema,
  ConversationExportLineSchema,
  type ConversationListQuery,
  ConversationListResponseSchema,
  ConversationResponseSchema,
  MessageResponseSchema,
  PostWrapsResponseSchema,
  RewrapRequestsResponseSchema,
  type SendMessageBody,
  TransferTargetsResponseSchema,
} from '@llamenos/protocol';
import { apiStream, request, requestJsonLines } from './http.js';

/**
 * The conversations routes (docs/PROTOCOL.md §9.3) as the web client uses them: envelopes and
 * wraps in and out, never a number. Sealing and opening happen in lib/conversations.
 */

export type ConversationFilter = Partial<
  Pick<ConversationListQuery, 'status' | 'scope' | 'limit' | 'offset'>
>;

export function fetchConversations(filter: ConversationFilter = {}) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== undefined) q.set(key, String(value));
  const query = q.toString();
  return request(ConversationListResponseSchema, 'GET', `/api/conversations${query ? `?${query}` : ''}`);
}

/** The conversation and its messages, each with the caller's own wrap only. */
export const fetchConversation = (id: string) =>
  request(ConversationDetailSchema, 'GET', `/api/conversations/${id}`);

export type ConversationAction = 'claim' | 'close' | 'reopen' | 'read';

/** Claim, close, reopen, or mark everything so far as read. */
export const conversationAction = async (id: string, action: ConversationAction) =>
  (await request(ConversationResponseSchema, 'POST', `/api/conversations/${id}/${action}`)).conversation;

/** Hands the conversation to another member (a user id). */
export const transferConversation = async (id: string, to: string) =>
  (await request(ConversationResponseSchema, 'POST', `/api/conversations/${id}/transfer`, { to }))
    .conversation;

/** Whom the caller may hand this conversation to: the colleagues on shift who may hold it, by name. */
export const fetchTransferTargets = async (id: string) =>
  (await request(TransferTargetsResponseSchema, 'GET', `/api/conversations/${id}/transfer-targets`)).targets;

/** A reply: the plaintext for the provider beside the same text sealed for its readers. */
export const postReply = async (conversationId: string, body: SendMessageBody) =>
  (await request(MessageResponseSchema, 'POST', `/api/conversations/${conversationId}/messages`, body))
    .message;

/** Sends a failed reply again: the server kept no plaintext, so the body travels again. */
export const retryReply = async (conversationId: string, messageId: string, body: string) =>
  (
    await request(
      MessageResponseSchema,
      'POST',
      `/api/conversations/${conversationId}/messages/${messageId}/retry`,
      { body },
    )
  ).message;

/** History the current assignee cannot open yet, with the caller's own wrap of each record. */
export const fetchRewrapRequests = async (conversationId: string) =>
  (await request(RewrapRequestsResponseSchema, 'GET', `/api/conversations/${conversationId}/rewrap-requests`))
    .requests;

export const postWraps = (
  conversationId: string,
  recipient: string,
  wraps: { recordId: string; wrap: string }[],
) =>
  request(PostWrapsResponseSchema, 'POST', `/api/conversations/${conversationId}/wraps`, {
    recipient,
    wraps,
  });

/**
 * One conversation and each of its messages with the admin's own wrap, then the count (the end
 * line): the export's lines, signed with the unlocked key they are opened with.
 */
export const fetchConversationExportLines = (id: string, key: Uint8Array) =>
  requestJsonLines(ConversationExportLineSchema, `/api/conversations/${encodeURIComponent(id)}/export`, {
    signWith: key,
  });

/** An attachment's encrypted file (streaming format), as it arrives. */
export const fetchMessageMedia = (conversationId: string, mediaId: string, signal?: AbortSignal) =>
  apiStream(`/api/conversations/${conversationId}/media/${mediaId}`, signal ? { signal } : {});
