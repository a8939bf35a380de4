import { createAuthHeader } from '@llamenos/crypto';
import { ConversationExportLineSchema, type ConversationView, type MessageView } from '@llamenos/protocol';
import { z } from 'zod';
import { ApiRequestError, fetchConfig } from '../api/index.js';
import { unlockedSecretKey } from '../vault.js';
import {
  CONVERSATION_EXPORT_EXTENSION,
  type ExportedMessage,
  openConversationExport,
  sealConversationExport,
} from './export-file.js';
import { conversationsPool } from './pool.js';

/**
 * An admin's sealed export of one conversation (PROTOCOL.md §10.3). The server sends the
 * conversation and each message with this admin's own wrap (auditing the export before the first
 * byte); the messages are opened in the conversations workers and sealed again, at once, into a
 * file that only this admin's key opens. No readable copy is made on the way: the transcript is
 * readable only on this screen after "Open export", or saved as text when the admin asks for it.
 */

/** The API's error shape, field by field: a partial one still says what it can. */
const Refusal = z.object({
  error: z.object({
    code: z.string().optional().catch(undefined),
    message: z.string().optional().catch(undefined),
  }),
});

/** GET /api/conversations/:id/export, signed as the JSON helper signs (NIP-98 over PUBLIC_URL). */
async function fetchExportLines(
  id: string,
  key: Uint8Array,
): Promise<{ conversation: ConversationView; messages: MessageView[] }> {
  const { publicUrl } = await fetchConfig();
  const path = `/api/conversations/${encodeURIComponent(id)}/export`;
  const url = `${publicUrl.replace(/\/+$/, '')}${path}`;
  let response: Response;
  try {
    response = await fetch(path, {
      headers: {
        accept: 'application/x-ndjson',
        authorization: createAuthHeader({ url, method: 'GET', body: '' }, key),
      },
    });
  } catch {
    throw new ApiRequestError(0, 'network', 'The server could not be reached.');
  }
  if (!response.ok) {
    const payload = Refusal.safeParse(await response.json().catch(() => null));
    const error = payload.success ? payload.data.error : undefined;
    throw new ApiRequestError(response.status, error?.code ?? 'internal', error?.message ?? '');
  }
  let conversation: ConversationView | null = null;
  const messages: MessageView[] = [];
  let end: number | null = null;
  for (const raw of (await response.text()).split('\n')) {
    if (!raw.trim()) continue;
    const line = ConversationExportLineSchema.parse(JSON.parse(raw));
    if (line.type === 'conversation') conversation = line.conversation;
    else if (line.type === 'message') messages.push(line.message);
    else end = line.count;
  }
  if (!conversation || end !== messages.length) throw new Error('the export was cut short; try again');
  return { conversation, messages };
}

/**
 * Fetches, opens and seals one conversation into an export file for this admin's key. A message
 * this key cannot open is kept in the file as "could not be opened" (body null), so the file
 * says what it lacks instead of silently skipping it.
 */
export async function buildConversationExport(
  id: string,
  nameOf: (userId: string) => string,
): Promise<{ blob: Blob; filename: string; count: number }> {
  const key = unlockedSecretKey();
  if (!key) throw new Error('locked');
  const { conversation, messages } = await fetchExportLines(id, key);
  const pool = conversationsPool();
  const me = pool.pubkey;
  const opened = await pool.open(
    messages.map((m) => ({
      id: m.id,
      ciphertext: m.envelope.ciphertext,
      wrap: m.envelope.wraps.find((w) => w.reader === me)?.wrap ?? null,
    })),
  );
  const exported: ExportedMessage[] = messages.map((m, i) => {
    const result = opened[i];
    return {
      id: m.id,
      direction: m.direction,
      createdAt: m.createdAt,
      delivery: m.delivery,
      errorCode: m.errorCode,
      author: m.author === null ? null : nameOf(m.author),
      status: result?.status === 'ok' ? 'ok' : 'failed',
      body: result?.status === 'ok' ? result.body : null,
      attachments: m.media.map((a) => ({ contentType: a.contentType, sizeBucket: a.sizeBucket })),
    };
  });
  const exportedAt = new Date().toISOString();
  const blob = await sealConversationExport(
    {
      exportedAt,
      conversation: {
        id: conversation.id,
        kind: conversation.kind,
        channel: conversation.channel,
        status: conversation.status,
        contactLast4: conversation.contactLast4,
        createdAt: conversation.createdAt,
        closedAt: conversation.closedAt,
        assignee: conversation.assignedTo === null ? null : nameOf(conversation.assignedTo),
      },
      messages: exported,
    },
    key,
  );
  const filename = `conversation-${conversation.id.slice(0, 8)}-${exportedAt.slice(0, 10)}${CONVERSATION_EXPORT_EXTENSION}`;
  return { blob, filename, count: exported.length };
}

/** Opens an export file with the unlocked key, in this browser. */
export async function openConversationExportFile(file: Blob) {
  const key = unlockedSecretKey();
  if (!key) throw new Error('locked');
  return openConversationExport(file, key);
}
