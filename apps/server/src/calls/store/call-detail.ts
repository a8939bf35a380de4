import type { SealedEnvelopeView } from '@llamenos/protocol';
import { type Queryable, returnsRow } from '../../db/database.js';
import { type CallRow, type CallsTable, callFromRow } from './calls.js';

/**
 * The reads behind one call's detail page (`GET /api/calls/:id`). They read two tables other
 * modules own (users for a name, the audit log for who answered an ended call), as the stats
 * module does: plain reads, never writes. (The "taken by" name of call:answered comes back
 * with the answer itself: answer.ts.)
 */

export interface CallDetailRow {
  call: CallRow;
  hasVoicemail: boolean;
  metaEnvelope: SealedEnvelopeView | null;
  /** Who rings for the call right now (live legs; empty once it is answered or over). */
  ringing: string[];
}

export async function findCallDetail(db: Queryable, id: string): Promise<CallDetailRow | null> {
  const [row] = await db.query<CallsTable & { has_voicemail: boolean; ringing: string[] | null }>(
    `select c.*, exists (select 1 from voicemails v where v.call_id = c.id) as has_voicemail,
            (select json_agg(distinct l.user_id) from call_legs l
              where l.call_id = c.id and l.user_id is not null
                and l.status in ('pending', 'queued', 'ringing', 'in-progress')) as ringing
       from calls c where c.id = $1`,
    [id],
  );
  if (!row) return null;
  return {
    call: callFromRow(row),
    hasVoicemail: Boolean(row.has_voicemail),
    metaEnvelope: row.meta_envelope ?? null,
    ringing: row.ringing ?? [],
  };
}

/**
 * Whether `userId` answered the call. Live, the call row says it; once the call ended its row
 * forgot (call-meta.ts seals who answered for the admins), and the audit log's
 * `calls.answered` entry (or `calls.transferred`, for a call handed over to them), which names
 * who took each call, is what still says it.
 */
export async function answeredCall(db: Queryable, callId: string, userId: string): Promise<boolean> {
  return returnsRow(
    db,
    `select 1 from calls where id = $1 and answered_by = $2
     union all
     select 1 from audit_log where target = $3 and (
       (action = 'calls.answered' and details->>'answeredBy' = $2)
       or (action = 'calls.transferred' and details->>'to' = $2))
     limit 1`,
    [callId, userId, `call:${callId}`],
  );
}
