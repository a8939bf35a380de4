import { z } from 'zod';
import { invalid } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import type { Instruction } from '../telephony/provider.js';
import { queueName, webhookUrl } from './documents.js';
import { findCall, findLegByProviderLegId } from './store.js';

/**
 * The join document (`POST /api/telephony/:provider/join?call=<id>&as=<role>[&room=<suffix>]`):
 * where a leg moved within a connected call goes, for providers that steer a call by moving its
 * legs between documents rather than by changing conference members (Plivo: a member's flags are
 * fixed when it joins; telephony/plivo/conference.ts, docs/CALLS.md "Plivo"). The URL is ours,
 * handed to the provider by the adapter, and signed by the provider when it comes back like
 * every webhook; still, each role is only served to the leg it is for:
 * - `held`, `caller`: the call's own caller leg (the Call Transfer of the caller);
 * - `colleague`: a live leg of this call rung for a hand-over (its row names the provider leg),
 *   never the answering volunteer's own;
 * - `listener`: any leg, muted, on a call that is connected (an admin's browser phone rung by
 *   the listening route; it has no row, and can be heard by nobody).
 * Another leg, or a call that is not connected any more, hears a hang-up; a malformed role or
 * room is a 400 (the URL is not one we issued).
 */

const JoinQuery = z.object({
  as: z.enum(['held', 'caller', 'colleague', 'listener']),
  /** A colleague's room of the call: `<queue>-<12 hex>`; none is the call's own room. */
  room: z
    .string()
    .regex(/^[0-9a-f]{12}$/)
    .optional(),
});
const LIVE_LEG = new Set(['pending', 'queued', 'ringing', 'in-progress']);
const hangup: Instruction[] = [{ kind: 'hangup' }];

export async function conferenceJoinDocument(
  ctx: ServerContext,
  provider: string,
  callId: string,
  query: URLSearchParams,
  providerLegId: string,
): Promise<Instruction[]> {
  const parsed = JoinQuery.safeParse({ as: query.get('as'), room: query.get('room') ?? undefined });
  if (!parsed.success) throw invalid('as or room is missing or malformed');
  const { as: role, room: suffix } = parsed.data;
  const call = await findCall(ctx.db, callId);
  if (!call || call.provider !== provider || call.endedAt || call.status !== 'answered') return hangup;
  if ((role === 'held' || role === 'caller') && providerLegId !== call.providerCallId) return hangup;
  if (role === 'colleague') {
    const leg = await findLegByProviderLegId(ctx.db, provider, providerLegId);
    const handOver = leg?.callId === call.id && leg.id !== call.answeredLegId && leg.userId !== null;
    if (!handOver || !LIVE_LEG.has(leg.status)) return hangup;
  }
  // The held caller waits in a room of their own, hearing the wait document (in their language).
  const room = `${queueName(call.id)}${role === 'held' ? '-held' : suffix ? `-${suffix}` : ''}`;
  const waitUrl = role === 'held' ? webhookUrl(ctx, provider, 'wait', { call: call.id }) : undefined;
  return [{ kind: 'join-conference', room, role, ...(waitUrl ? { waitUrl } : {}) }, { kind: 'hangup' }];
}
