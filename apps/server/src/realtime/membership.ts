import type { ServerContext } from '../http/context.js';
import { notifyMembersChanged } from './bridge.js';
import { ownCurrentWrap, rotateHubKey } from './hub-keys.js';

export type MembershipChange = { kind: 'added' | 'removed'; pubkey: string };

/**
 * Identity calls this after a membership change has committed.
 * - removed (deactivation): the hub key is rotated and re-wrapped for those who remain, and
 *   every process closes the removed key's relay connections.
 * - added (reactivation, …): the current key is wrapped for them; no rotation is needed, and a
 *   member added any other way gets the wrap on their first GET /api/hub-key anyway.
 * The change is already durable, so a failure here is logged rather than failing the request;
 * a rotation can be forced with POST /api/hub-key/rotate.
 */
export async function onMembershipChanged(ctx: ServerContext, change: MembershipChange): Promise<void> {
  try {
    if (change.kind === 'added') {
      await ownCurrentWrap(ctx, change.pubkey);
      return;
    }
    await rotateHubKey(ctx, 'member-removed');
    const realtime = ctx.realtime;
    await realtime?.relay?.recheckMembers();
    if (realtime?.bridge) await realtime.bridge.membersChanged();
    else await notifyMembersChanged(ctx.db);
  } catch (error) {
    ctx.log.error({ err: error, change: change.kind }, 'real-time membership update failed');
  }
}
