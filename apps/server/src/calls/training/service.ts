import { randomUUID } from 'node:crypto';
import type { TrainingCallStarted, TrainingLineQuery, TrainingLineState } from '@llamenos/protocol';
import { appendAuditInTx } from '../../audit/service.js';
import type { Member } from '../../domain/actor.js';
import { conflict, forbidden, notFound } from '../../domain/errors.js';
import type { ServerContext } from '../../http/context.js';
import { MAX_SIGNAL_WAIT_MS } from '../../simulator/webrtc.js';
import { finishCall } from '../end.js';
import { type CallRow, currentCallOf, findCall, insertLegs } from '../store.js';
import { iceServers } from '../webrtc-signalling.js';
import { announce, callSettings } from '../wiring.js';
import type { TrainingLine } from './lines.js';
import { activeMemberExists, insertTrainingCall, unansweredTrainingCalls } from './store.js';

/**
 * The training line (issue 18 §4; docs/CALLS.md, "The training line"): an admin or trainer
 * (calls:train) starts a role-play call to one trainee and plays the caller from their own
 * signed-in browser; the trainee answers in the browser as on a real call. No carrier or
 * provider is involved (the two browsers connect over the server's authenticated signalling,
 * lines.ts), so it runs in production and with any provider configured.
 *
 * It rings ONLY the trainee: the call never comes in through a hotline number (no menu,
 * screening or queue), its one leg is written here, and the queue skips training calls
 * (calls/ringing.ts), so no other volunteer is ever offered it. It is marked (`calls.training`),
 * audited (`calls.training-started`, and `calls.ended` as any call), hidden from supervisors, and
 * left out of statistics and of the volunteers' answered-call counts (stats/store.ts).
 */

/** The trainer's side shows this fictional number's last four digits (555-01xx is reserved for fiction). */
export const TRAINING_CALLER_NUMBER = '+15550100199';
/**
 * The longest a trainee's browser rings: the hotline's queue time-out (settings, 90 s by default)
 * when shorter. Then the call ends as not answered, and the trainer's page says so.
 */
export const TRAINING_RING_SECONDS = 120;
/** How often a trainer's long wait re-reads the call's row (an end decided by another process, or by the tick). */
const ROW_CHECK_MS = 2_000;

export async function startTrainingCall(
  ctx: ServerContext,
  trainer: Member,
  traineeId: string,
): Promise<TrainingCallStarted> {
  if (traineeId === trainer.userId) throw conflict('choose another member to train: you would ring yourself');
  if (!(await activeMemberExists(ctx.db, traineeId))) throw notFound('no such active member');
  if (await currentCallOf(ctx.db, traineeId)) throw conflict('the trainee is on a call; try again after it');
  const { calls } = await callSettings(ctx);
  const ringSeconds = Math.min(calls.queueTimeoutSeconds, TRAINING_RING_SECONDS);
  const now = ctx.now();
  const callId = randomUUID();
  const callerLast4 = TRAINING_CALLER_NUMBER.slice(-4);
  await ctx.db.transaction(async (tx) => {
    await insertTrainingCall(tx, { id: callId, callerLast4, trainerId: trainer.userId }, now);
    await insertLegs(
      tx,
      [
        {
          id: randomUUID(),
          callId,
          userId: traineeId,
          kind: 'browser',
          status: 'ringing',
          ringDeadline: new Date(now.getTime() + ringSeconds * 1000),
        },
      ],
      now,
    );
    await appendAuditInTx(
      tx,
      {
        action: 'calls.training-started',
        actorPubkey: trainer.pubkey,
        target: `call:${callId}`,
        details: { callId, trainee: traineeId, by: trainer.userId },
        ipHash: trainer.ipHash,
      },
      now,
    );
  });
  ctx.telephony.training.open({ callId, trainerId: trainer.userId, traineeId });
  // The ring notice names no one; only the trainee's active-call list has the call (its one leg).
  await announce(ctx, { type: 'call:ring', callId, callerLast4, startedAt: now.toISOString() });
  return { callId, iceServers: iceServers(ctx) };
}

/** The training call `member` started, live or just ended; refusals say why (404 for anyone else). */
async function trainersCall(
  ctx: ServerContext,
  member: Member,
  callId: string,
): Promise<{ call: CallRow; line: TrainingLine | null }> {
  const call = await findCall(ctx.db, callId);
  const line = ctx.telephony.training.of(callId);
  // Not telling a third member whether such a call exists.
  if (!call?.training) throw notFound('no such training call');
  if (!call.endedAt && line?.trainerId !== member.userId) {
    if (line) throw forbidden('this training call was started by someone else');
    throw notFound('no such training call (it was started on another server process, or before a restart)');
  }
  return { call, line: call.endedAt ? null : line };
}

/** `POST /api/training-calls/:id/offer {sdp}`: the trainer's offer, once (a second is 409). */
export async function offerTrainingCall(
  ctx: ServerContext,
  member: Member,
  callId: string,
  sdp: string,
): Promise<void> {
  const { line } = await trainersCall(ctx, member, callId);
  if (!line) throw conflict('this training call has ended');
  if (!ctx.telephony.training.audio.setOffer(callId, sdp))
    throw conflict('this training call already has an offer');
}

const endedState = (call: CallRow): TrainingLineState['ended'] =>
  !call.endedAt ? null : call.answeredAt ? 'ended' : 'no-answer';

/**
 * `GET /api/training-calls/:id/line`: waits (up to 25 s) until the line differs from what the
 * trainer's page knows (`answered`, `held`) or the call ends, and says how it stands.
 */
export async function waitForTrainingLine(
  ctx: ServerContext,
  member: Member,
  callId: string,
  known: TrainingLineQuery,
): Promise<TrainingLineState> {
  const lines = ctx.telephony.training;
  const { call: first } = await trainersCall(ctx, member, callId);
  const state = (call: CallRow): TrainingLineState => ({
    answer: call.endedAt ? null : lines.audio.answerOf(callId),
    held: !call.endedAt && lines.audio.heldOf(callId),
    ended: endedState(call),
  });
  const changed = (s: TrainingLineState) =>
    s.ended !== null || (s.answer !== null) !== known.answered || s.held !== known.held;
  let call = first;
  const until = Date.now() + MAX_SIGNAL_WAIT_MS;
  while (!changed(state(call)) && Date.now() < until) {
    await lines.audio.waitFor(
      () => (changed(state(call)) || !lines.of(callId) ? true : null),
      Math.min(ROW_CHECK_MS, until - Date.now()),
    );
    call = (await findCall(ctx.db, callId)) ?? call;
    if (!lines.of(callId) && !call.endedAt) break;
  }
  if (call.endedAt) lines.close(callId);
  return state(call);
}

/** `POST /api/training-calls/:id/hangup`: the trainer hangs up (while it rings, or during the talk). */
export async function hangUpTrainingCall(ctx: ServerContext, member: Member, callId: string): Promise<void> {
  const { call } = await trainersCall(ctx, member, callId);
  if (call.endedAt) throw conflict('this training call has already ended');
  await finishCall(ctx, callId, { reason: 'trainer-hangup', by: member.userId });
  ctx.telephony.training.close(callId);
}

/**
 * The call timers' step for the training line: a training call whose trainee's browser rang past
 * its deadline ends as not answered (`calls.ended` with reason `training-unanswered`); the
 * trainee's card closes with `call:ended`, and the trainer's page reads "no answer".
 */
export async function endUnansweredTrainingCalls(ctx: ServerContext, now: Date): Promise<number> {
  let ended = 0;
  for (const id of await unansweredTrainingCalls(ctx.db, now, 50)) {
    if (await finishCall(ctx, id, { reason: 'training-unanswered' })) ended += 1;
    ctx.telephony.training.close(id);
  }
  return ended;
}
