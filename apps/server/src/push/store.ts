import { type Queryable, returnsRow } from '../db/database.js';

/** The push module's storage: the VAPID row and the members' subscriptions (schema.ts). */

export interface VapidRow {
  publicKey: string;
  privateKeySealed: string;
}

export async function readVapidRow(db: Queryable): Promise<VapidRow | null> {
  const [row] = await db.query<{ public_key: string; private_key_sealed: string }>(
    'select public_key, private_key_sealed from push_vapid where id = 1',
  );
  return row ? { publicKey: row.public_key, privateKeySealed: row.private_key_sealed } : null;
}

/** Stores the key pair unless one is already there (two processes starting together): the first wins. */
export async function insertVapidRowIfAbsent(db: Queryable, row: VapidRow, now: Date): Promise<void> {
  await db.query(
    `insert into push_vapid (id, public_key, private_key_sealed, created_at) values (1, $1, $2, $3)
     on conflict (id) do nothing`,
    [row.publicKey, row.privateKeySealed, now],
  );
}

export interface SubscriptionRow {
  id: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

interface RawSubscriptionRow {
  id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

const fromRow = (r: RawSubscriptionRow): SubscriptionRow => ({
  id: r.id,
  userId: r.user_id,
  endpoint: r.endpoint,
  p256dh: r.p256dh,
  auth: r.auth,
});

/**
 * Saves a device's subscription for `row.userId`. The endpoint is unique: the same browser
 * subscribing again (or after another member signed in on it) takes the row over, so a
 * shared device never wakes its previous member.
 */
export async function upsertSubscription(db: Queryable, row: SubscriptionRow, now: Date): Promise<string> {
  const [saved] = await db.query<{ id: string }>(
    `insert into push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at) values ($1, $2, $3, $4, $5, $6)
     on conflict (endpoint) do update set user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth
     returning id`,
    [row.id, row.userId, row.endpoint, row.p256dh, row.auth, now],
  );
  return saved!.id;
}

/**
 * Keeps `userId`'s `keep` newest subscriptions and deletes the rest: each ring sends one request
 * per row, so a member cannot make the server send hundreds.
 */
export async function trimSubscriptions(db: Queryable, userId: string, keep: number): Promise<void> {
  await db.query(
    `delete from push_subscriptions where user_id = $1 and id not in
       (select id from push_subscriptions where user_id = $1 order by created_at desc, id limit $2)`,
    [userId, keep],
  );
}

/** Deletes one of `userId`'s subscriptions; false when they have none by that id. */
export async function deleteOwnSubscription(db: Queryable, userId: string, id: string): Promise<boolean> {
  return returnsRow(db, 'delete from push_subscriptions where id = $1 and user_id = $2 returning id', [
    id,
    userId,
  ]);
}

/** The push service said the subscription is gone (404/410): it will never deliver again. */
export async function deleteSubscription(db: Queryable, id: string): Promise<void> {
  await db.query('delete from push_subscriptions where id = $1', [id]);
}

export async function markSent(db: Queryable, id: string, now: Date): Promise<void> {
  await db.query('update push_subscriptions set last_sent_at = $2 where id = $1', [id, now]);
}

/** The active members' subscriptions among `userIds`. */
export async function subscriptionsOf(db: Queryable, userIds: readonly string[]): Promise<SubscriptionRow[]> {
  if (!userIds.length) return [];
  const rows = await db.query<RawSubscriptionRow>(
    `select s.id, s.user_id, s.endpoint, s.p256dh, s.auth from push_subscriptions s
     join users u on u.id = s.user_id and u.active
     where s.user_id = any($1::text[]) order by s.created_at`,
    [userIds],
  );
  return rows.map(fromRow);
}

/**
 * The active member `userIdSql`'s subscriptions as one JSON value, for a statement of another
 * module to read with its own rows (the queue round's leg insert: calls/store/legs.ts), so a
 * ringing call's Web Push needs no statement of its own. Read back with subscriptionsFromJson.
 */
export const subscriptionsOfUserJsonSql = (userIdSql: string): string =>
  `(select coalesce(json_agg(json_build_array(s.id, s.user_id, s.endpoint, s.p256dh, s.auth) order by s.created_at), '[]'::json)
     from push_subscriptions s join users u on u.id = s.user_id and u.active where s.user_id = ${userIdSql})`;

/** The subscriptions subscriptionsOfUserJsonSql read (PGlite hands JSON back parsed, node-postgres too; text is parsed). */
export function subscriptionsFromJson(raw: unknown): SubscriptionRow[] {
  const rows = (typeof raw === 'string' ? JSON.parse(raw) : (raw ?? [])) as [
    string,
    string,
    string,
    string,
    string,
  ][];
  return rows.map(([id, userId, endpoint, p256dh, auth]) => ({ id, userId, endpoint, p256dh, auth }));
}

/**
 * The subscriptions of the members a ringing call has just started ringing, in a browser or on
 * a phone: its live legs of the latest queue round (a round writes its legs with one created_at),
 * so a volunteer still ringing from an earlier round is not woken again for the same call.
 * One statement: who was rung, and their active members' subscriptions.
 */
export async function subscriptionsOfNewlyRung(db: Queryable, callId: string): Promise<SubscriptionRow[]> {
  const rows = await db.query<RawSubscriptionRow>(
    `select s.id, s.user_id, s.endpoint, s.p256dh, s.auth from push_subscriptions s
     join users u on u.id = s.user_id and u.active
     where s.user_id in (
       select l.user_id from call_legs l
        where l.call_id = $1 and l.user_id is not null and l.status in ('pending', 'queued', 'ringing')
          and l.created_at = (select max(created_at) from call_legs where call_id = $1))
     order by s.created_at`,
    [callId],
  );
  return rows.map(fromRow);
}
