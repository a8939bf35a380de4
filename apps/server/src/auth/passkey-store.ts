import type { PasskeySummary } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';

/** A registered credential as verification needs it. */
export interface StoredPasskey {
  id: string;
  userId: string;
  publicKey: Uint8Array<ArrayBuffer>;
  counter: number;
  transports: string[];
}

interface PasskeyRow {
  id: string;
  user_id: string;
  public_key: string;
  counter: number | string;
  transports: string[];
  label: string;
  created_at: Date;
  last_used_at: Date | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export async function insertPasskey(
  db: Queryable,
  p: {
    id: string;
    userId: string;
    publicKey: Uint8Array;
    counter: number;
    transports: string[];
    label: string;
  },
  now: Date,
): Promise<boolean> {
  const rows = await db.query(
    `insert into passkeys (id, user_id, public_key, counter, transports, label, created_at)
     values ($1, $2, $3, $4, $5::jsonb, $6, $7) on conflict (id) do nothing returning id`,
    [
      p.id,
      p.userId,
      Buffer.from(p.publicKey).toString('base64url'),
      p.counter,
      JSON.stringify(p.transports),
      p.label,
      now,
    ],
  );
  return rows.length === 1;
}

export async function findPasskey(db: Queryable, id: string): Promise<StoredPasskey | null> {
  const [row] = await db.query<PasskeyRow>('select * from passkeys where id = $1', [id]);
  if (!row) return null;
  return {
    id: row.id,
    userId: row.user_id,
    publicKey: new Uint8Array(Buffer.from(row.public_key, 'base64url')),
    counter: Number(row.counter),
    transports: row.transports,
  };
}

/** Ids and transports of a user's credentials, so a browser does not register the same authenticator twice. */
export async function credentialsOf(
  db: Queryable,
  userId: string,
): Promise<{ id: string; transports: string[] }[]> {
  return db.query<{ id: string; transports: string[] }>(
    'select id, transports from passkeys where user_id = $1 order by created_at',
    [userId],
  );
}

export async function listPasskeys(db: Queryable, userId: string): Promise<PasskeySummary[]> {
  const rows = await db.query<PasskeyRow>('select * from passkeys where user_id = $1 order by created_at', [
    userId,
  ]);
  return rows.map((r) => ({
    id: r.id,
    label: r.label,
    transports: r.transports,
    createdAt: iso(r.created_at)!,
    lastUsedAt: iso(r.last_used_at),
  }));
}

/** Deletes one of the user's own credentials; false when there is no such credential of theirs. */
export async function deletePasskey(db: Queryable, userId: string, id: string): Promise<boolean> {
  const rows = await db.query('delete from passkeys where id = $1 and user_id = $2 returning id', [
    id,
    userId,
  ]);
  return rows.length === 1;
}

/**
 * Records a successful use and its signature counter. The counter may only move forward
 * (or stay at zero, for authenticators that do not count); the condition is re-checked in
 * the update so concurrent sign-ins cannot both accept the same counter value.
 */
export async function advanceCounter(
  db: Queryable,
  id: string,
  counter: number,
  now: Date,
): Promise<boolean> {
  const rows = await db.query(
    `update passkeys set counter = $2, last_used_at = $3
     where id = $1 and (counter < $2 or (counter = 0 and $2 = 0)) returning id`,
    [id, counter, now],
  );
  return rows.length === 1;
}
