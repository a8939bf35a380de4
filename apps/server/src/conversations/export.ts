import type { ConversationExportLine } from '@llamenos/protocol';
import { appendAudit } from '../audit/service.js';
import type { Member } from '../domain/actor.js';
import { forbidden } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { readsAll } from './access.js';
import { conversationDetail } from './service.js';

/** One line of a conversation export (JSON lines; the schema is the protocol's, which the browser checks). */
export type { ConversationExportLine };

const encoder = new TextEncoder();
const line = (value: ConversationExportLine) => encoder.encode(`${JSON.stringify(value)}\n`);

/**
 * `GET /api/conversations/:id/export` (conversations:read-all): the conversation and each of its
 * messages as the admin would read them — ciphertext with the admin's own wrap, never plaintext
 * — for the browser to open and seal into a conversation export file
 * (PURPOSES.conversationExport, PROTOCOL.md §10.3). The audit entry is written before the first byte leaves, so no export goes
 * unrecorded; the last line, `{type: 'end', count}`, lets the client detect truncation.
 */
export async function exportConversation(
  ctx: ServerContext,
  actor: Member,
  id: string,
): Promise<ReadableStream<Uint8Array>> {
  if (!readsAll(actor)) throw forbidden('only those who read every conversation may export one');
  const { conversation, messages } = await conversationDetail(ctx, actor, id);
  await appendAudit(
    ctx.db,
    {
      action: 'conversations.exported',
      actorPubkey: actor.pubkey,
      target: `conversation:${id}`,
      details: { conversationId: id, messages: messages.length },
      ipHash: actor.ipHash,
    },
    ctx.now(),
  );
  let next = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(line({ type: 'conversation', conversation }));
    },
    pull(controller) {
      for (const message of messages.slice(next, next + 100))
        controller.enqueue(line({ type: 'message', message }));
      next += 100;
      if (next >= messages.length) {
        controller.enqueue(line({ type: 'end', count: messages.length }));
        controller.close();
      }
    },
  });
}
