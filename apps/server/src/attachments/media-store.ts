import { oneRow, type Queryable } from '../db/database.js';
import { rowsStatement } from '../db/row-statement.js';

/**
 * The attachments module's SQL for a conversation message's media (owner kind
 * `conversation-message`): the file the server sealed as it arrived from the provider, and the
 * provider-side state conversations/media.ts runs (the provider's sealed handle, fetch attempts,
 * the next attempt). Rows are shown to the conversations module in its own shape (`MediaRow`):
 * a file still arriving is `pending`, a complete one `stored` (docs/PROTOCOL.md, MessageMedia).
 */

export interface MediaRow {
  id: string;
  message_id: string;
  conversation_id: string;
  position: number;
  provider_ref_enc: string | null;
  content_type: string | null;
  state: 'pending' | 'stored' | 'failed';
  blob_id: string | null;
  size_bucket: number | null;
  attempts: number;
  next_attempt_at: Date | null;
  created_at: Date;
}

/** The columns of a media row under the names MediaRow gives them (`m` is the attachments row). */
const MEDIA_COLUMNS = `m.id, m.message_id, m.conversation_id, m.position, m.provider_ref_enc, m.content_type,
  case m.state when 'uploading' then 'pending' when 'complete' then 'stored' else 'failed' end as state,
  m.blob_id, m.size_bucket, m.provider_attempts as attempts, m.provider_next_attempt_at as next_attempt_at,
  m.created_at`;

const ts = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

const mediaOf = (r: MediaRow): MediaRow => ({
  ...r,
  position: Number(r.position),
  attempts: Number(r.attempts),
  size_bucket: r.size_bucket === null ? null : Number(r.size_bucket),
  next_attempt_at: ts(r.next_attempt_at),
  created_at: new Date(r.created_at),
});

export interface NewMedia {
  id: string;
  messageId: string;
  conversationId: string;
  position: number;
  providerRefEnc: string;
  contentType: string | null;
}

/** `firstAttemptAt`: when the timer takes the job if the request's own attempt never finishes. */
export async function insertMedia(
  tx: Queryable,
  m: NewMedia,
  now: Date,
  firstAttemptAt: Date,
): Promise<void> {
  await tx.query(
    `insert into attachments (id, owner_kind, message_id, conversation_id, position, provider_ref_enc,
       content_type, state, provider_next_attempt_at, created_at, updated_at)
     values ($1, 'conversation-message', $2, $3, $4, $5, $6, 'uploading', $8, $7, $7)`,
    [m.id, m.messageId, m.conversationId, m.position, m.providerRefEnc, m.contentType, now, firstAttemptAt],
  );
}

/** Every media file of a conversation, with `reader`'s wrap of its key (conversation_wraps) or null. */
export const mediaOfConversation = rowsStatement(
  `select ${MEDIA_COLUMNS}, w.wrap from attachments m
      left join conversation_wraps w on w.record_id = 'attachment:' || m.id and w.reader = $2
      where m.owner_kind = 'conversation-message' and m.conversation_id = $1
      order by m.message_id, m.position`,
  (conversationId: string, reader: string) => [conversationId, reader],
  (r: MediaRow & { wrap: string | null }) => ({ ...mediaOf(r), wrap: r.wrap }),
);

export async function findMediaById(db: Queryable, id: string): Promise<MediaRow | null> {
  return oneRow(
    db,
    `select ${MEDIA_COLUMNS} from attachments m where m.id = $1 and m.owner_kind = 'conversation-message'`,
    [id],
    mediaOf,
  );
}

/** Takes due media jobs for this process: each one's next attempt moves `leaseMs` ahead. */
export async function takeDueMedia(
  db: Queryable,
  now: Date,
  leaseMs: number,
  limit: number,
): Promise<(MediaRow & { channel: string })[]> {
  const rows = await db.query<MediaRow & { channel: string }>(
    `update attachments m set provider_next_attempt_at = $2
      where m.id in (select id from attachments
                      where provider_next_attempt_at is not null and provider_next_attempt_at <= $1
                      order by provider_next_attempt_at limit $3 for update skip locked)
      returning ${MEDIA_COLUMNS}, (select c.channel from conversations c where c.id = m.conversation_id) as channel`,
    [now, new Date(now.getTime() + leaseMs), limit],
  );
  return rows.map((r) => ({ ...mediaOf(r), channel: r.channel }));
}

/** The sealed file is in the blob store: the media is complete (false if someone else finished it first). */
export async function markMediaStored(
  tx: Queryable,
  id: string,
  stored: { blobId: string; sizeBucket: number; contentType: string | null },
  now: Date,
): Promise<boolean> {
  const rows = await tx.query(
    `update attachments set state = 'complete', blob_id = $2, size_bucket = $3,
       content_type = coalesce($4, content_type), completed_at = $5, updated_at = $5
     where id = $1 and owner_kind = 'conversation-message' and state = 'uploading' returning id`,
    [id, stored.blobId, stored.sizeBucket, stored.contentType, now],
  );
  return rows.length > 0;
}

/** A failed attempt: retry at `nextAttemptAt`, or give up (state failed) when it is null. */
export async function markMediaAttemptFailed(
  db: Queryable,
  id: string,
  nextAttemptAt: Date | null,
  now: Date,
): Promise<void> {
  await db.query(
    `update attachments set provider_attempts = provider_attempts + 1, provider_next_attempt_at = $2,
       state = case when $2::timestamptz is null and state = 'uploading' then 'failed' else state end,
       updated_at = $3
     where id = $1 and owner_kind = 'conversation-message'`,
    [id, nextAttemptAt, now],
  );
}

/** The provider's copy is gone: forget its handle and stop scheduling work for it. */
export async function markMediaDeletedAtProvider(db: Queryable, id: string, now: Date): Promise<void> {
  await db.query(
    `update attachments set provider_ref_enc = null, provider_next_attempt_at = null, updated_at = $2
      where id = $1 and owner_kind = 'conversation-message'`,
    [id, now],
  );
}
