import type { HubEventPayload } from '@llamenos/protocol';
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
 * Work a webhook starts without waiting for it (media fetches, automatic replies). Everything
 * is also recoverable from the database by the conversation timer, so a crash loses nothing;
 * the context's set of work in flight lets close() and tests wait for it.
 */
export function conversationWork(ctx: ServerContext, what: string, work: () => Promise<unknown>): void {
  const running = Promise.resolve()
    .then(work)
    .catch((error: unknown) =>
      ctx.log.error(
        { err: { name: (error as Error)?.name, message: (error as Error)?.message }, what },
        'conversation work failed',
      ),
    );
  ctx.backgroundWork.add(running);
  void running.finally(() => ctx.backgroundWork.delete(running));
}
