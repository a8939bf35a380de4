import type { ReportEvent } from '@llamenos/protocol';
import type { ServerContext } from '../http/context.js';
import { publishHubEvent } from '../realtime/publish.js';

/**
 * Tells members' clients that a report changed, by id only (the hub event is encrypted, and
 * clients read the report back through the API, which checks who may see it). Sent after the
 * change committed; a hub that cannot be reached loses the notice, never the change.
 */
export async function announceReport(ctx: ServerContext, type: ReportEvent['type'], reportId: string) {
  try {
    await publishHubEvent(ctx, { type, reportId });
  } catch (error) {
    ctx.log.warn({ type, err: { name: (error as Error)?.name } }, 'hub event not published');
  }
}
