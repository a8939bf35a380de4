import { randomUUID } from 'node:crypto';
import { appendAuditInTx } from '../audit/service.js';
import { currentCallOf, insertLegs } from '../calls/store.js';
import { announce } from '../calls/wiring.js';
import type { Member } from '../domain/actor.js';
import { conflict, notFound } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { simulatedCarrier, simulatorNumbers } from './instance.js';
import { activeMemberExists, insertTrainingCall } from './training-store.js';

/**
 * The training line (issue 18 §4): an admin or trainer (calls:train) starts a role-play call to
 * one trainee. The trainer's browser is the caller, on the simulated carrier's caller phone
 * with WebRTC audio; the trainee answers in the browser as on a real call.
 *
 * It rings ONLY the trainee: the call never comes in through a hotline number (no inbound
 * webhook, so no menu, screening or queue), its one leg is written here, and the queue skips
 * training calls (calls/ringing.ts), so no other volunteer is ever offered it. It is marked
 * (`calls.training`), audited (`calls.training-started`), and left out of statistics and of
 * the volunteers' answered-call counts (stats/store.ts).
 */

/** The trainer's caller phone shows this fictional number (555-01xx is reserved for fiction). */
export const TRAINING_CALLER_NUMBER = '+15550100199';
/** How long the trainee's browser rings before the leg is given up (the timer tick closes it). */
const TRAINING_RING_SECONDS = 120;

export interface TrainingCall {
  callId: string;
  /** The caller phone on the simulated carrier: the trainer's page signals its audio for it. */
  callerSid: string;
}

export async function startTrainingCall(
  ctx: ServerContext,
  trainer: Member,
  traineeId: string,
): Promise<TrainingCall> {
  if (traineeId === trainer.userId) throw conflict('choose another member to train: you would ring yourself');
  if (!(await activeMemberExists(ctx.db, traineeId))) throw notFound('no such active member');
  if (await currentCallOf(ctx.db, traineeId)) throw conflict('the trainee is on a call; try again after it');
  // The carrier refuses to start in production (instance.ts): a clear 409, not a 500.
  const carrier = await simulatedCarrier(ctx).catch(() => {
    throw conflict('training calls run on the simulated carrier, which is off on this server (production)');
  });
  const [hotlineNumber] = await simulatorNumbers(ctx);
  const phone = carrier.placeTrainingCaller({ from: TRAINING_CALLER_NUMBER, to: hotlineNumber! });
  const now = ctx.now();
  const callId = randomUUID();
  await ctx.db.transaction(async (tx) => {
    await insertTrainingCall(
      tx,
      { id: callId, providerCallId: phone.sid, hotlineNumber: hotlineNumber!, callerLast4: phone.fromLast4 },
      now,
    );
    await insertLegs(
      tx,
      [
        {
          id: randomUUID(),
          callId,
          userId: traineeId,
          kind: 'browser',
          status: 'ringing',
          ringDeadline: new Date(now.getTime() + TRAINING_RING_SECONDS * 1000),
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
  // The ring notice names no one; only the trainee's active-call list has the call (its one leg).
  await announce(ctx, {
    type: 'call:ring',
    callId,
    callerLast4: phone.fromLast4,
    startedAt: now.toISOString(),
  });
  return { callId, callerSid: phone.sid };
}
