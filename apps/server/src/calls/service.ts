import {
  type ActiveCallsResponse,
  type CallHistoryQuery,
  type CallHistoryResponse,
  type CallQueueBoard,
  type CallView,
  hasPermission,
  type VoicemailView,
} from '@llamenos/protocol';
import { appendAudit, auditActionInTx } from '../audit/service.js';
import { blobStore } from '../blobs/store.js';
import type { Actor, Member } from '../domain/actor.js';
import { conflict, forbidden, invalid, notFound } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { claimCall } from './answer.js';
import { connectBrowser } from './browser.js';
import { finishCall } from './end.js';
import { upsertBan } from './store/bans.js';
import {
  callHistoryPage,
  callView,
  currentCallOf,
  queueBoardRows,
  requireCall,
  waitingCallsFor,
} from './store/calls.js';
import { browserLegOf } from './store/legs.js';
import { findVoicemail, type StoredVoicemail } from './store/voicemails.js';
import { connectsBrowsers } from './wiring.js';

/**
 * What members do with calls from the app: see the active and past calls, answer in the
 * browser, hang up, ban the caller, play a voicemail. Each refusal is a DomainError; the
 * routes only parse, call these and respond.
 */

/** The calls ringing for the member (every waiting call for calls:read-all) and the one they are on. */
export async function activeCalls(ctx: ServerContext, member: Member): Promise<ActiveCallsResponse> {
  const all = hasPermission(member.permissions, 'calls:read-all');
  const [ringing, mine] = await Promise.all([
    waitingCallsFor(ctx.db, member.userId, all),
    currentCallOf(ctx.db, member.userId),
  ]);
  return { ringing: ringing.map((c) => callView(c)), mine: mine ? callView(mine) : null };
}

/** The call queue for the admins' live board: position and wait of each caller, who rings, who is on a call. */
export async function queueBoard(ctx: ServerContext): Promise<CallQueueBoard> {
  const now = ctx.now();
  const { waiting, onCalls } = await queueBoardRows(ctx.db);
  return {
    at: now.toISOString(),
    waiting: waiting.map((c, i) => ({
      callId: c.id,
      callerLast4: c.callerLast4,
      position: i + 1,
      waitingSeconds: Math.max(0, Math.floor((now.getTime() - c.createdAt.getTime()) / 1000)),
      queueDeadline: c.queueDeadline?.toISOString() ?? null,
      ringing: c.ringing,
    })),
    onCalls: onCalls.map((c) => ({
      callId: c.id,
      answeredBy: c.answeredBy,
      answeredAt: c.answeredAt.toISOString(),
    })),
  };
}

export async function callHistory(ctx: ServerContext, query: CallHistoryQuery): Promise<CallHistoryResponse> {
  const page = await callHistoryPage(ctx.db, query);
  return {
    calls: page.calls.map((r) => ({
      ...callView(r.call, r.hasVoicemail),
      // Sealed for calls:read-all holders (call-meta.ts); the browser opens who answered.
      metaEnvelope: r.metaEnvelope,
    })),
    total: page.total,
  };
}

/** The call's voicemail; not-found when there is none (or only one stored before blobs). */
async function storedVoicemail(ctx: ServerContext, callId: string): Promise<StoredVoicemail> {
  const voicemail = await findVoicemail(ctx.db, callId);
  if (!voicemail) throw notFound('no voicemail for this call');
  return voicemail;
}

/** The voicemail's description with the actor's wrap of its file key. */
export async function voicemailFor(ctx: ServerContext, actor: Actor, callId: string): Promise<VoicemailView> {
  const voicemail = await storedVoicemail(ctx, callId);
  const mine = voicemail.wraps.find((w) => w.reader === actor.pubkey);
  if (!mine) throw forbidden('this voicemail was not sealed for your key');
  return {
    callId,
    contentType: voicemail.contentType,
    size: voicemail.size,
    wrap: mine.wrap,
    durationSeconds: voicemail.durationSeconds,
    createdAt: voicemail.createdAt.toISOString(),
  };
}

/** The encrypted recording as it is stored; every play is audited. */
export async function playVoicemail(
  ctx: ServerContext,
  actor: Actor,
  callId: string,
): Promise<{ stream: ReadableStream<Uint8Array>; size: number }> {
  const voicemail = await storedVoicemail(ctx, callId);
  const blob = await blobStore(ctx).read(voicemail.blobId);
  if (!blob) throw notFound('the voicemail file is missing');
  await appendAudit(
    ctx.db,
    {
      action: 'calls.voicemail-played',
      actorPubkey: actor.pubkey,
      target: `call:${callId}`,
      details: { callId },
      ipHash: actor.ipHash,
    },
    ctx.now(),
  );
  return { stream: blob.stream, size: blob.size };
}

/** Answering in the browser: the same compare-and-set as pressing 1 on a phone. */
export async function answerInBrowser(ctx: ServerContext, member: Member, callId: string): Promise<CallView> {
  const call = await requireCall(ctx.db, callId);
  if (!connectsBrowsers(call.provider))
    throw conflict('this provider cannot connect a browser; answer the call on your phone');
  const leg = await browserLegOf(ctx.db, callId, member.userId);
  if (!leg && (call.training || !hasPermission(member.permissions, 'calls:read-all')))
    throw forbidden('this call is not ringing for you');
  if (await currentCallOf(ctx.db, member.userId)) throw conflict('you are already on a call; end it first');
  const result = await claimCall(ctx, callId, member.userId, leg?.id ?? null, 'browser');
  if (result.outcome === 'lost')
    throw conflict(
      result.call?.status === 'answered'
        ? 'another volunteer took this call'
        : 'this call is no longer waiting',
    );
  if (result.outcome === 'won') await connectBrowser(ctx, result.call, member.userId);
  return callView(result.call);
}

/** Ending a call from the app: the volunteer on it, or a supervisor. */
export async function hangUpFromApp(ctx: ServerContext, member: Member, callId: string): Promise<CallView> {
  const call = await requireCall(ctx.db, callId);
  // Checked first: an ended call's answered_by is cleared (sealed), so "not yours" would mislead.
  if (call.endedAt) throw conflict('this call has already ended');
  const mine = call.answeredBy === member.userId;
  if (!mine && !hasPermission(member.permissions, 'calls:read-all'))
    throw forbidden('only the volunteer on the call (or a supervisor) can end it');
  const ended = await finishCall(ctx, callId, {
    reason: 'app-hangup',
    by: member.userId,
    hangUpCaller: true,
  });
  if (!ended) throw conflict('this call has already ended');
  return callView(ended);
}

/** Bans the call's caller by their keyed hash and ends the call. */
export async function banCaller(
  ctx: ServerContext,
  member: Member,
  callId: string,
  reason: string,
): Promise<CallView> {
  const call = await requireCall(ctx.db, callId);
  const callerHash = call.callerHash;
  if (!callerHash)
    throw invalid(
      call.endedAt
        ? 'this call has ended and its caller hash is sealed; add the number to the ban list instead'
        : 'the caller withheld their number; there is nothing to ban',
    );
  const now = ctx.now();
  await ctx.db.transaction(async (tx) => {
    await upsertBan(
      tx,
      { callerHash, callerLast4: call.callerLast4, reason, createdBy: member.userId, expiresAt: null },
      now,
    );
    await auditActionInTx(tx, member, now, {
      action: 'calls.banned',
      target: `call:${callId}`,
      details: { callId, source: 'call', callerLast4: call.callerLast4 ?? 'unknown' },
    });
  });
  const ended = await finishCall(ctx, callId, { reason: 'ban', by: member.userId, hangUpCaller: true });
  return callView(ended ?? call);
}
