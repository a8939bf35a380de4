import { oneRow, type Queryable, returnsRow } from '../../db/database.js';
import { runStatement } from '../../db/row-statement.js';
import { TRAINING_PROVIDER } from './lines.js';

/** The SQL of training calls (service.ts); the calls module's own store keeps its tables' rules. */

/** An active member, by id: who a training call may ring. */
export async function activeMemberExists(db: Queryable, userId: string): Promise<boolean> {
  return returnsRow(db, 'select id from users where id = $1 and active', [userId]);
}

/**
 * The training call's row: ringing from the start, marked training, with no queue deadline (the
 * queue never sees it) and no hotline number (it never comes in on one). The trainer is kept on
 * the row so that the queue counts them busy (store/legs.ts queueSnapshot).
 */
export const insertTrainingCall = runStatement(
  `insert into calls (id, provider, provider_call_id, hotline_number, caller_last4, status, language, training, trainer_id, created_at, updated_at)
     values ($1, $2, $1, '', $3, 'ringing', 'en', true, $5, $4, $4)`,
  (call: { id: string; callerLast4: string; trainerId: string }, now: Date) => [
    call.id,
    TRAINING_PROVIDER,
    call.callerLast4,
    now,
    call.trainerId,
  ],
);

/** Training calls still ringing whose trainee's leg rang past its deadline: nobody answered. */
export async function unansweredTrainingCalls(db: Queryable, now: Date, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `select c.id from calls c
      where c.training and c.status = 'ringing' and c.ended_at is null
        and not exists (select 1 from call_legs l where l.call_id = c.id and l.ring_deadline > $1)
      order by c.created_at limit $2`,
    [now, limit],
  );
  return rows.map((r) => r.id);
}

/** A live training line as its row holds it (schema.ts). */
export interface TrainingLineRow {
  callId: string;
  trainerId: string;
  traineeId: string;
  offer: string | null;
  answer: string | null;
  held: boolean;
}

interface TrainingLinesTable {
  call_id: string;
  trainer_id: string;
  trainee_id: string;
  offer: string | null;
  answer: string | null;
  held: boolean;
}

const lineFromRow = (r: TrainingLinesTable): TrainingLineRow => ({
  callId: r.call_id,
  trainerId: r.trainer_id,
  traineeId: r.trainee_id,
  offer: r.offer,
  answer: r.answer,
  held: Boolean(r.held),
});

export const insertTrainingLine = runStatement(
  'insert into training_lines (call_id, trainer_id, trainee_id, created_at) values ($1, $2, $3, $4)',
  (line: { callId: string; trainerId: string; traineeId: string }, now: Date) => [
    line.callId,
    line.trainerId,
    line.traineeId,
    now,
  ],
);

export async function findTrainingLine(db: Queryable, callId: string): Promise<TrainingLineRow | null> {
  return oneRow(db, 'select * from training_lines where call_id = $1', [callId], lineFromRow);
}

/** The trainer's offer, once: false when the line is gone or already has one. */
export async function setTrainingOffer(db: Queryable, callId: string, sdp: string): Promise<boolean> {
  return returnsRow(
    db,
    'update training_lines set offer = $2 where call_id = $1 and offer is null returning call_id',
    [callId, sdp],
  );
}

/** The trainee's answer, once, to an offer made: false otherwise (another tab, a replay). */
export async function setTrainingAnswer(
  db: Queryable,
  callId: string,
  traineeId: string,
  sdp: string,
): Promise<boolean> {
  return returnsRow(
    db,
    `update training_lines set answer = $3
      where call_id = $1 and trainee_id = $2 and offer is not null and answer is null returning call_id`,
    [callId, traineeId, sdp],
  );
}

/** Hold on or off by the trainee, once the line has audio (an offer); null otherwise. */
export async function setTrainingHeld(
  db: Queryable,
  callId: string,
  traineeId: string,
  held: boolean,
): Promise<{ changed: boolean } | null> {
  const [row] = await db.query<{ was: boolean }>(
    `update training_lines l set held = $3 from training_lines old
      where l.call_id = $1 and l.trainee_id = $2 and l.offer is not null and old.call_id = l.call_id
      returning old.held as was`,
    [callId, traineeId, held],
  );
  return row ? { changed: Boolean(row.was) !== held } : null;
}

/** The call ended: its signalling is deleted. */
export const deleteTrainingLine = runStatement(
  'delete from training_lines where call_id = $1',
  (callId: string) => [callId],
);
