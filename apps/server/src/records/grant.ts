import type { GrantBody, GrantStatus } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import { invalid } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { isCurrentNoteAdmin } from './envelope.js';
import { grantSteps } from './grant-batch.js';
import { grantInsert } from './grant-statements.js';
import type { NoteCaller } from './service.js';

/**
 * Granting a new admin access to existing notes (docs/PROTOCOL.md, "Granting a new reader").
 * The server cannot do it: only a reader can unwrap a note key. So an admin's browser asks for
 * work (versions the new admin has no wrap for, with the caller's own wrap), re-wraps each key
 * for the new admin and posts the wraps back. The work query only ever returns what is still
 * missing, so an interrupted grant resumes by simply asking again.
 */

/** The reader of a notes (or transcripts) grant must be a current admin: notes:read-all. */
export async function requireAdminReader(db: Queryable, reader: string): Promise<void> {
  if (!(await isCurrentNoteAdmin(db, reader)))
    throw invalid('the reader must be an active member holding notes:read-all');
}

function parseAfter(after: string): [string, number] {
  if (!after) return ['', 0];
  const at = after.lastIndexOf(':');
  return [after.slice(0, at), Number(after.slice(at + 1))];
}

/**
 * Only versions the caller holds a wrap for are accepted (the caller could not have made a real
 * wrap for any other), and an existing wrap is never replaced, so repeating a batch changes
 * nothing.
 */
const insertNoteWraps = grantInsert<GrantBody['wraps'][number]>(
  {
    input: 'select * from unnest($3::text[], $4::int[], $5::text[]) as t(note_id, version, wrap)',
    eligible: `select i.note_id, i.version, i.wrap from input i
       join note_wraps mine
         on mine.note_id = i.note_id and mine.version = i.version and mine.reader_pubkey = $2`,
    insert: `insert into note_wraps (note_id, version, reader_pubkey, wrap)
       select note_id, version, $1, wrap from eligible`,
  },
  ['noteId', 'version', 'wrap'],
);

/** Notes: each version has its own key, so the work and the wraps go by note id and version. */
export const noteGrant = grantSteps({
  action: 'records.access-granted',
  requireReader: requireAdminReader,
  async work(db, caller, reader, after, limit) {
    const [afterId, afterVersion] = parseAfter(after);
    const rows = await db.query<{ note_id: string; version: number; wrap: string }>(
      `select mine.note_id, mine.version, mine.wrap
       from note_wraps mine
       where mine.reader_pubkey = $1
         and (mine.note_id, mine.version) > ($3, $4)
         and not exists (
           select 1 from note_wraps t
           where t.note_id = mine.note_id and t.version = mine.version and t.reader_pubkey = $2)
       order by mine.note_id, mine.version
       limit $5`,
      [caller, reader, afterId, afterVersion, limit],
    );
    return rows.map((r) => ({ noteId: r.note_id, version: Number(r.version), wrap: r.wrap }));
  },
  cursor: (item) => `${item.noteId}:${item.version}`,
  insert: (tx, grant: { caller: string; reader: string; wraps: GrantBody['wraps'] }) =>
    insertNoteWraps(tx, grant.reader, grant.caller, grant.wraps),
});

/** Progress for the grant's progress bar. */
export async function grantStatus(
  ctx: ServerContext,
  caller: NoteCaller,
  reader: string,
): Promise<GrantStatus> {
  await requireAdminReader(ctx.db, reader);
  const [row] = await ctx.db.query<{ total: number; done: number; unavailable: number }>(
    `select
       (select count(*) from note_versions) as total,
       (select count(*) from note_wraps where reader_pubkey = $1) as done,
       (select count(*) from note_versions v
         where not exists (select 1 from note_wraps w
                           where w.note_id = v.note_id and w.version = v.version and w.reader_pubkey = $1)
           and not exists (select 1 from note_wraps w
                           where w.note_id = v.note_id and w.version = v.version and w.reader_pubkey = $2)
       ) as unavailable`,
    [reader, caller.pubkey],
  );
  return {
    total: Number(row?.total ?? 0),
    done: Number(row?.done ?? 0),
    unavailableToCaller: Number(row?.unavailable ?? 0),
  };
}
