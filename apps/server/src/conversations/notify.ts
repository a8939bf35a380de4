import type { HubEventPayload } from '@llamenos/protocol';
import { inBackground } from '../calls/wiring.js';
import type { ServerContext } from '../http/context.js';
import { publishHubEvent } from '../realtime/index.js';

/**
 * Hub events about conversations carry ids only (PROTOCOL.md §9.3): clients fetch the rest
 * through the API, which checks who they are. A failure to publish is logged, never thrown:
 * the message is stored either way, and the inbox refetches on its next look.
 */
export async function announceConversation(ctx: ServerContext, payload: HubEventPayload): Promise<void> {
  try {
    await publishHubEvent(ctx, payload);
  } catch (error) {
    ctx.log.warn({ type: payload.type, err: { name: (error as Error)?.name } }, 'hub event not published');
  }
}

/**
 * Work a webhook starts without waiting for it (media fetches, automatic replies), run as the
 * calls module's background work is. Everything is also recoverable from the database by the
 * conversation timer, so a crash loses nothing.
 */
export function conversationWork(ctx: ServerContext, what: string, work: () => Promise<unknown>): void {
  inBackground(ctx, what, work);
}
