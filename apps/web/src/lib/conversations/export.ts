import type { ConversationView, MessageView } from '@llamenos/protocol';
import { fetchConversationExportLines } from '../api/index.js';
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

/** The conversation and its messages, as the server sends them for an export (it audits the export first). */
async function fetchExportLines(
  id: string,
  key: Uint8Array,
): Promise<{ conversation: ConversationView; messages: MessageView[] }> {
  let conversation: ConversationView | null = null;
  const messages: MessageView[] = [];
  let end: number | null = null;
  for (const line of await fetchConversationExportLines(id, key)) {
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
