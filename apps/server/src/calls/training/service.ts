import { randomUUID } from 'node:crypto';
import type { TrainingCallStarted, TrainingLineQuery, TrainingLineState } from '@llamenos/protocol';
import { auditActionInTx } from '../../audit/service.js';
import type { Member } from '../../domain/actor.js';
import { conflict, forbidden, notFound } from '../../domain/errors.js';
import type { ServerContext } from '../../http/context.js';
import { MAX_SIGNAL_WAIT_MS } from '../../simulator/webrtc.js';
import { finishCall } from '../end.js';
import { type CallRow, currentCallOf, findCall, insertLegs } from '../store.js';
import { iceServers } from '../webrtc-signalling.js';
import { announce, callSettings } from '../wiring.js';
import type { TrainingLine } from './lines.js';
import {
  activeMemberExists,
  deleteTrainingLine,
  findTrainingLine,
  insertTrainingCall,
  insertTrainingLine,
  setTrainingOffer,
  unansweredTrainingCalls,
} from './store.js';

/**
 * The training line (issue 18 §4; docs/CALLS.md, "The training line"): an admin or trainer
 * (calls:train) starts a role-play call to one trainee and plays the caller from their own
 * signed-in browser; the trainee answers in the browser as on a real call. No carrier or
 * provider is involved (the two browsers connect over the server's authenticated signalling,
 * lines.ts, kept in the database so that any server process serves either member), so it runs
 * in production and with any provider configured.
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
    await auditActionInTx(tx, trainer, now, {
      action: 'calls.training-started',
      target: `call:${callId}`,
      details: { callId, trainee: traineeId, by: trainer.userId },
    });
    await insertTrainingLine(tx, { callId, trainerId: trainer.userId, traineeId }, now);
  });
  // The ring notice names no one; only the trainee's active-call list has the call (its one leg).
  await announce(ctx, { type: 'call:ring', callId, callerLast4, startedAt: now.toISOString() });
  ctx.events.emit('call:rung', { callId });
  return { callId, iceServers: iceServers(ctx) };
}

/** The training call `member` started, live or just ended; refusals say why (404 for anyone else). */
async function trainersCall(
  ctx: ServerContext,
  member: Member,
  callId: string,
): Promise<{ call: CallRow; line: TrainingLine | null }> {
  const [call, line] = await Promise.all([findCall(ctx.db, callId), findTrainingLine(ctx.db, callId)]);
  // Not telling a third member whether such a call exists.
  if (!call?.training) throw notFound('no such training call');
  if (!call.endedAt && line?.trainerId !== member.userId) {
    if (line) throw forbidden('this training call was started by someone else');
    throw notFound('no such training call');
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
  if (!(await setTrainingOffer(ctx.db, callId, sdp)))
    throw conflict('this training call already has an offer');
  ctx.telephony.training.wake();
}

const endedState = (call: CallRow): TrainingLineState['ended'] =>
  !call.endedAt ? null : call.answeredAt ? 'ended' : 'no-answer';

/**
 * `GET /api/training-calls/:id/line`: waits (up to 25 s) until the line differs from what the
 * trainer's page knows (`answered`, `held`) or the call ends, and says how it stands. The call's
 * row and the line are re-read together on each change made on this process and every quarter
 * second (a change made on another process, or an end decided by the tick).
 */
export async function waitForTrainingLine(
  ctx: ServerContext,
  member: Member,
  callId: string,
  known: TrainingLineQuery,
): Promise<TrainingLineState> {
  const { call: first, line: firstLine } = await trainersCall(ctx, member, callId);
  const state = (call: CallRow, line: TrainingLine | null): TrainingLineState => ({
    answer: call.endedAt ? null : (line?.answer ?? null),
    held: !call.endedAt && (line?.held ?? false),
    ended: endedState(call),
  });
  const changed = (s: TrainingLineState) =>
    s.ended !== null || (s.answer !== null) !== known.answered || s.held !== known.held;
  let current = state(first, firstLine);
  if (!changed(current) && firstLine) {
    const found = await ctx.telephony.training.waitFor(async () => {
      const [call, line] = await Promise.all([findCall(ctx.db, callId), findTrainingLine(ctx.db, callId)]);
      if (!call) return null;
      const s = state(call, line);
      // A line gone while its call has not ended yet (ended elsewhere, being sealed): say how it stands.
      return changed(s) || !line ? s : null;
    }, MAX_SIGNAL_WAIT_MS);
    if (found) current = found;
  }
  if (current.ended) await deleteTrainingLine(ctx.db, callId);
  return current;
}

/** The line's signalling is deleted with its call's end, and this process's waits re-read. */
async function closeLine(ctx: ServerContext, callId: string): Promise<void> {
  await deleteTrainingLine(ctx.db, callId);
  ctx.telephony.training.wake();
}

/** `POST /api/training-calls/:id/hangup`: the trainer hangs up (while it rings, or during the talk). */
export async function hangUpTrainingCall(ctx: ServerContext, member: Member, callId: string): Promise<void> {
  const { call } = await trainersCall(ctx, member, callId);
  if (call.endedAt) throw conflict('this training call has already ended');
  await finishCall(ctx, callId, { reason: 'trainer-hangup', by: member.userId });
  await closeLine(ctx, callId);
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
    await closeLine(ctx, id);
  }
  return ended;
}
