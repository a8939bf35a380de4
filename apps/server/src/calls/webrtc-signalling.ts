import type { CallHoldResponse, IceServer, WebrtcOfferResponse } from '@llamenos/protocol';
import { appendAudit } from '../audit/service.js';
import type { Member } from '../domain/actor.js';
import { conflict, forbidden } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import type { BrowserAudio } from './browser.js';
import { holdAtProvider } from './hold-provider.js';
import { type CallRow, requireCall } from './store.js';

/**
 * WebRTC signalling for a call answered in the browser (docs/CALLS.md, "Browser calling"). The
 * server passes the caller's session offer to the volunteer who won the first-pickup
 * compare-and-set (answer.ts) and that volunteer's answer back; the audio itself goes between
 * the two browsers and never through this process. A volunteer who lost the race, or whose
 * call ended, gets nothing: the loser's browser never builds a connection.
 * Session descriptions carry network addresses, so they are never logged, stored or published.
 */

/** How long the winner's browser waits for the caller's offer (the caller's page may still be asking for its microphone). */
export const OFFER_WAIT_MS = 5_000;

/** The ICE servers browsers use: the operator's (WEBRTC_ICE_SERVERS), none by default (loopback and LAN need none). */
export const iceServers = (ctx: ServerContext): IceServer[] => ctx.config.WEBRTC_ICE_SERVERS ?? [];

/** The call `member` is on in the browser, with its provider's signalling; refusals say why. */
async function browserCallOf(
  ctx: ServerContext,
  member: Member,
  callId: string,
): Promise<{ call: CallRow; audio: BrowserAudio | null }> {
  const call = await requireCall(ctx.db, callId);
  if (call.endedAt || call.status !== 'answered') throw conflict('this call is not connected');
  if (call.answeredBy !== member.userId) throw forbidden('this call was answered by someone else');
  const audio = ctx.telephony.browserAudio[call.provider as keyof typeof ctx.telephony.browserAudio];
  return { call, audio: audio ?? null };
}

/** The caller's offer for the volunteer who won the call, or null when the caller's phone has no audio. */
export async function callerOfferFor(
  ctx: ServerContext,
  member: Member,
  callId: string,
): Promise<WebrtcOfferResponse> {
  const { call, audio } = await browserCallOf(ctx, member, callId);
  // A provider with no browser audio has no offer, like a caller whose phone has none.
  const offer = audio ? await audio.callerOffer(ctx, call, member.userId, OFFER_WAIT_MS) : null;
  return { offer, iceServers: iceServers(ctx) };
}

/** The winner's answer, handed to the caller once. */
export async function answerCallerWith(
  ctx: ServerContext,
  member: Member,
  callId: string,
  sdp: string,
): Promise<void> {
  const { call, audio } = await browserCallOf(ctx, member, callId);
  if (!audio) throw conflict('this provider has no browser audio; answer the call on your phone');
  if (!(await audio.answerCaller(ctx, call, member.userId, sdp)))
    throw conflict('the caller is not waiting for an answer (no offer, already answered, or the call ended)');
  ctx.log.debug({ callId }, 'browser audio answered');
}

/**
 * Hold on the active-call card: the carrier plays hold music to the caller and carries neither
 * voice until the volunteer resumes. On a provider call (Asterisk) the provider does the same
 * (hold-provider.ts). Kept per call with the call's audio (forgotten when it
 * ends); each change is audited (calls.held, calls.resumed) with the call id only.
 */
export async function holdCall(
  ctx: ServerContext,
  member: Member,
  callId: string,
  onHold: boolean,
): Promise<CallHoldResponse> {
  const { call, audio } = await browserCallOf(ctx, member, callId);
  // No browser audio here: a provider call, held at the provider if it can (hold-provider.ts).
  const held = audio
    ? await audio.hold(ctx, call, member.userId, onHold)
    : await holdAtProvider(ctx, call, onHold);
  if (!held)
    throw conflict(
      audio ? 'this call has no browser audio to hold' : "this call's provider cannot put callers on hold",
    );
  if (held.changed)
    await appendAudit(
      ctx.db,
      {
        action: onHold ? 'calls.held' : 'calls.resumed',
        actorPubkey: member.pubkey,
        target: `call:${callId}`,
        details: { callId },
        ipHash: member.ipHash,
      },
      ctx.now(),
    );
  return { onHold: held.onHold };
}
