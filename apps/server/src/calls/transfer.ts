import type { CallTransferTargetsResponse } from '@llamenos/protocol';
import { auditActionInTx } from '../audit/service.js';
import type { Member } from '../domain/actor.js';
import { conflict, forbidden, invalid } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { pubkeyOf, reachOf } from '../identity/lookup.js';
import { activeUsersHolding } from '../records/envelope.js';
import { eligibleVolunteers } from '../shifts/views.js';
import { connectedCallControl } from './hold-provider.js';
import { busyUserIds, type CallRow, type CallsTable, callFromRow, requireCall } from './store.js';
import { handOverAtProvider } from './transfer-provider.js';
import { announce } from './wiring.js';

/**
 * Cold transfer of a call answered in the browser (docs/CALLS.md, "Browser calling"): the
 * volunteer on the call hands the caller to another member on shift who takes calls in the
 * browser and is free. The call changes hands with a compare-and-set on `answered_by` (as the
 * first pickup does, answer.ts) and the first volunteer's browser leg ends, the carrier bridges
 * the caller to the new browser, whose audio is negotiated afresh, and `call:answered` tells both browsers: the new volunteer's card opens,
 * the first one's closes. Audited `calls.transferred` (call id, from, to: user ids only).
 * A call carried by a provider that steers its audio (Asterisk) is handed over there instead,
 * under the same rules (transfer-provider.ts).
 */

/** The call `member` is on in the browser; refusals say why. */
export async function callToTransfer(ctx: ServerContext, member: Member, callId: string): Promise<CallRow> {
  const call = await requireCall(ctx.db, callId);
  if (call.endedAt || call.status !== 'answered') throw conflict('this call is not connected');
  if (call.answeredBy !== member.userId) throw forbidden('this call was answered by someone else');
  return call;
}

/** Members on shift now, free, able to answer calls in the browser, the transferring one left out. */
export async function transferableTo(ctx: ServerContext, fromUserId: string): Promise<string[]> {
  const busy = await busyUserIds(ctx.db);
  const onShift = await eligibleVolunteers(ctx, ctx.now(), busy);
  const mayAnswer = new Set((await activeUsersHolding(ctx.db, 'calls:answer')).map((u) => u.id));
  const reach = await reachOf(
    ctx.db,
    onShift.userIds.filter((id) => id !== fromUserId && !busy.has(id) && mayAnswer.has(id)),
  );
  return reach.filter((u) => u.callPreference === 'browser' || u.callPreference === 'both').map((u) => u.id);
}

/** `GET /api/calls/:id/transfer-targets`: names only, as conversations' transfer targets. */
export async function callTransferTargets(
  ctx: ServerContext,
  member: Member,
  callId: string,
): Promise<CallTransferTargetsResponse> {
  await callToTransfer(ctx, member, callId);
  return { targets: await displayNamesOf(ctx, await transferableTo(ctx, member.userId)) };
}

/** Members' names by id, sorted by name (the warm transfer's invite names who asks). */
export async function displayNamesOf(
  ctx: ServerContext,
  ids: string[],
): Promise<{ id: string; displayName: string }[]> {
  const names = ids.length
    ? await ctx.db.query<{ id: string; display_name: string }>(
        'select id, display_name from users where id = any($1::text[]) order by display_name, id',
        [ids],
      )
    : [];
  return names.map((n) => ({ id: n.id, displayName: n.display_name }));
}

/** `POST /api/calls/:id/transfer {to}`: hands the caller over; the first volunteer's side ends. */
export async function transferCall(
  ctx: ServerContext,
  member: Member,
  callId: string,
  to: string,
): Promise<void> {
  const call = await callToTransfer(ctx, member, callId);
  if (!(await transferableTo(ctx, member.userId)).includes(to))
    throw invalid('that member is not on shift, free and taking calls in the browser');
  const audio = ctx.telephony.browserAudio[call.provider as keyof typeof ctx.telephony.browserAudio];
  if (!audio) {
    // A provider call: the provider moves the audio, if it can (transfer-provider.ts).
    const control = await connectedCallControl(ctx, call);
    if (!control) throw conflict("this call's provider cannot transfer calls");
    return handOverAtProvider(ctx, member, call, to, control);
  }
  const now = ctx.now();
  const moved = await ctx.db.transaction(async (tx) => {
    const [row] = await tx.query<CallsTable>(
      `update calls set answered_by = $3, updated_at = $4
        where id = $1 and answered_by = $2 and status = 'answered' and ended_at is null returning *`,
      [callId, member.userId, to, now],
    );
    if (!row) return null;
    // The first volunteer's leg ends here, so the queue may offer them the next call at once.
    await tx.query(
      `update call_legs set status = 'completed', ended_at = $3
        where call_id = $1 and user_id = $2 and kind = 'browser' and status = 'in-progress'`,
      [callId, member.userId, now],
    );
    // The carrier moves the caller inside the transaction: a caller with no browser audio to
    // hand over leaves the call where it was (the update is rolled back).
    if (!(await audio.transfer(ctx, callFromRow(row), member.userId, to)))
      throw conflict('this call has no browser audio to hand over');
    await auditActionInTx(tx, member, now, {
      action: 'calls.transferred',
      target: `call:${callId}`,
      details: { callId, from: member.userId, to },
    });
    return callFromRow(row);
  });
  if (!moved) throw conflict('the call changed meanwhile; it was not transferred');
  const pubkey = await pubkeyOf(ctx.db, to);
  if (pubkey) await announce(ctx, { type: 'call:answered', callId, answeredBy: pubkey });
}
