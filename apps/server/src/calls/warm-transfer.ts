import type { WarmTransferInviteResponse, WarmTransferStatusResponse } from '@llamenos/protocol';
import { appendAudit } from '../audit/service.js';
import type { Member } from '../domain/actor.js';
import { conflict, forbidden, invalid, notFound } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { pubkeyOf } from '../identity/lookup.js';
import { findCall } from './store.js';
import { callToTransfer, displayNamesOf, transferableTo, transferCall } from './transfer.js';
import type { Consult } from './warm-transfer-signals.js';
import { holdCall, iceServers } from './webrtc-signalling.js';
import { announce } from './wiring.js';

/**
 * Warm transfer of a call answered in the browser (docs/CALLS.md, "Warm transfer"): the
 * volunteer on the call asks a free colleague on shift to talk first. The caller is put on hold
 * (the carrier plays them hold music, as Hold does), and the two volunteers talk over a
 * connection of their own, browser to browser, signalled here as the caller's is. "Hand over" is
 * the cold transfer (transfer.ts: compare-and-set on `answered_by`, audited `calls.transferred`),
 * which also takes the caller off hold; "Back to the caller" resumes. The colleague may decline.
 *
 * Why a second browser-to-browser connection and not the carrier bridging three legs: on the
 * simulated carrier the audio never passes through the server or the carrier (the two browsers
 * send it to each other), so there is no bridge that could mix a third voice in; the carrier's
 * part is what it can honestly do, holding the caller and moving them to another browser.
 */

/** The consult of a call that is still live with the member who asked; one whose call ended or changed hands is forgotten. */
async function liveConsult(ctx: ServerContext, callId: string): Promise<Consult | null> {
  const consult = ctx.telephony.consults.of(callId);
  if (!consult) return null;
  const call = await findCall(ctx.db, callId);
  if (!call || call.endedAt || call.status !== 'answered' || call.answeredBy !== consult.from) {
    ctx.telephony.consults.forget(callId);
    return null;
  }
  return consult;
}

/**
 * Tells the colleague's browsers that the ask of `callId` changed (asked, accepted, declined,
 * cancelled, handed over): the hub event `call:transfer-invite` with the call id and their public
 * key only, and their browser reads the invite through `GET /api/calls/transfers/incoming`, which
 * answers the member asked only. Their slow poll is the fallback (a missed event, a reconnect).
 */
async function tellColleague(ctx: ServerContext, callId: string, colleagueId: string): Promise<void> {
  const to = await pubkeyOf(ctx.db, colleagueId);
  if (to) await announce(ctx, { type: 'call:transfer-invite', callId, to });
}

/** `POST /api/calls/:id/warm-transfer {to, sdp}`: asks the colleague; the caller goes on hold. */
export async function startWarmTransfer(
  ctx: ServerContext,
  member: Member,
  callId: string,
  to: string,
  sdp: string,
): Promise<void> {
  await callToTransfer(ctx, member, callId);
  if (!(await transferableTo(ctx, member.userId)).includes(to))
    throw invalid('that member is not on shift, free and taking calls in the browser');
  await liveConsult(ctx, callId);
  if (!ctx.telephony.consults.start({ callId, from: member.userId, to, offer: sdp }))
    throw conflict('a colleague is already being asked to take this call');
  try {
    await holdCall(ctx, member, callId, true);
  } catch (error) {
    // No browser audio to hold: the colleague is not asked.
    ctx.telephony.consults.forget(callId);
    throw error;
  }
  await appendAudit(
    ctx.db,
    {
      action: 'calls.transfer-warm-started',
      actorPubkey: member.pubkey,
      target: `call:${callId}`,
      details: { callId, from: member.userId, to },
      ipHash: member.ipHash,
    },
    ctx.now(),
  );
  await tellColleague(ctx, callId, to);
}

/** `GET /api/calls/:id/warm-transfer`: the state for either side; the answer only for the member who asked. */
export async function warmTransferStatus(
  ctx: ServerContext,
  member: Member,
  callId: string,
): Promise<WarmTransferStatusResponse> {
  const consult = await liveConsult(ctx, callId);
  if (!consult || (consult.from !== member.userId && consult.to !== member.userId))
    return { state: 'none', answer: null, iceServers: iceServers(ctx) };
  const answer = consult.from === member.userId ? consult.answer : null;
  return { state: consult.state, answer, iceServers: iceServers(ctx) };
}

/** `GET /api/calls/transfers/incoming`: the first colleague asking this member now, with their offer. */
export async function incomingWarmTransfer(
  ctx: ServerContext,
  member: Member,
): Promise<WarmTransferInviteResponse> {
  for (const asking of ctx.telephony.consults.asking(member.userId)) {
    const consult = await liveConsult(ctx, asking.callId);
    if (consult?.state !== 'asking') continue;
    const [from] = await displayNamesOf(ctx, [consult.from]);
    return {
      invite: {
        callId: consult.callId,
        fromName: from?.displayName ?? '',
        offer: consult.offer,
        iceServers: iceServers(ctx),
      },
    };
  }
  return { invite: null };
}

/** The consult `member` is asked to join; refusals say why. */
async function consultAsking(ctx: ServerContext, member: Member, callId: string): Promise<Consult> {
  const consult = await liveConsult(ctx, callId);
  if (!consult)
    throw notFound('nobody is asking you to take this call (it was handed over, cancelled or ended)');
  if (consult.to !== member.userId) throw forbidden('this transfer is for someone else');
  return consult;
}

/** `POST /api/calls/:id/warm-transfer/accept {sdp}`: the colleague's answer; once (a second tab gets 409). */
export async function acceptWarmTransfer(
  ctx: ServerContext,
  member: Member,
  callId: string,
  sdp: string,
): Promise<void> {
  await consultAsking(ctx, member, callId);
  if (!ctx.telephony.consults.accept(callId, member.userId, sdp))
    throw conflict('this transfer was already accepted or declined');
  // The colleague's other tabs put the invite away.
  await tellColleague(ctx, callId, member.userId);
}

/** `POST /api/calls/:id/warm-transfer/decline`: the member who asked sees it and may return to the caller. */
export async function declineWarmTransfer(ctx: ServerContext, member: Member, callId: string): Promise<void> {
  await consultAsking(ctx, member, callId);
  if (!ctx.telephony.consults.decline(callId, member.userId))
    throw conflict('this transfer was already accepted or declined');
  await tellColleague(ctx, callId, member.userId);
}

/** The consult the member on the call started; refusals say why. */
async function ownConsult(ctx: ServerContext, member: Member, callId: string): Promise<Consult> {
  await callToTransfer(ctx, member, callId);
  const consult = await liveConsult(ctx, callId);
  if (!consult) throw conflict('no colleague is being asked to take this call');
  return consult;
}

/**
 * `POST /api/calls/:id/warm-transfer/hand-over`: the colleague takes the call (the cold transfer's
 * compare-and-set and audit); the talk between the two ends with it.
 */
export async function handOverWarmTransfer(
  ctx: ServerContext,
  member: Member,
  callId: string,
): Promise<void> {
  const consult = await ownConsult(ctx, member, callId);
  if (consult.state !== 'talking')
    throw conflict('the colleague has not accepted; hand over once you have talked');
  await transferCall(ctx, member, callId, consult.to);
  ctx.telephony.consults.forget(callId);
  await tellColleague(ctx, callId, consult.to);
}

/** `POST /api/calls/:id/warm-transfer/cancel`: back to the caller (resumed, audited as Resume is). */
export async function cancelWarmTransfer(ctx: ServerContext, member: Member, callId: string): Promise<void> {
  const consult = await ownConsult(ctx, member, callId);
  ctx.telephony.consults.forget(callId);
  // The invite goes away at once on the colleague's screen (asked, or talking).
  await tellColleague(ctx, callId, consult.to);
  await holdCall(ctx, member, callId, false);
}
