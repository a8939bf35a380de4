import { type CallDetail, hasPermission } from '@llamenos/protocol';
import type { Member } from '../domain/actor.js';
import { forbidden, notFound } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { answeredCall, findCallDetail } from './store/call-detail.js';
import { callView } from './store/calls.js';

/**
 * One call's detail page (`GET /api/calls/:id`). Admins (calls:read-all, who read the history)
 * see any call, with its sealed metadata to open in their browser; a volunteer sees only a
 * call they answered, and nothing of who else was rung. Never the caller's number: the last
 * four digits, as in the history.
 */
export async function callDetail(ctx: ServerContext, member: Member, callId: string): Promise<CallDetail> {
  const row = await findCallDetail(ctx.db, callId);
  if (!row) throw notFound('no such call');
  const all = hasPermission(member.permissions, 'calls:read-all');
  const mine = await answeredCall(ctx.db, callId, member.userId);
  if (!all && !mine) throw forbidden('you can open only the calls you answered');
  const { call } = row;
  const secondsBetween = (from: Date, to: Date | null) =>
    Math.max(0, Math.floor(((to ?? ctx.now()).getTime() - from.getTime()) / 1000));
  const view = callView(call, row.hasVoicemail);
  return {
    call: all
      ? { ...view, metaEnvelope: row.metaEnvelope }
      : // A volunteer learns who answered only as "you" (answeredByMe), never another user id.
        { ...view, answeredBy: null },
    talkSeconds: call.answeredAt ? secondsBetween(call.answeredAt, call.endedAt) : null,
    waitSeconds: secondsBetween(call.createdAt, call.answeredAt ?? call.endedAt),
    ringing: all ? row.ringing : [],
    answeredByMe: mine,
  };
}
