import { randomUUID } from 'node:crypto';
import type {
  CallPreference,
  ProfileView,
  UpdateProfileBody,
  UpdateUserBody,
  UserView,
} from '@llamenos/protocol';
import {
  type AuditHeadCache,
  type AuditInput,
  appendAuditInTx,
  type GuessedAppendColumns,
  guessedAppendParts,
  withdrawGuessedAppend,
} from '../audit/service.js';
import { revokeUserSessions } from '../auth/sessions.js';
import type { Database, Queryable } from '../db/database.js';
import { DomainError } from '../domain/errors.js';
import { permissionsOfRoles } from './lookup.js';
import { openPhone, type SealedPhone, sealPhone } from './phone.js';
import { assertCanManage, assertRolesAssignable } from './roles.js';
import {
  type Actor,
  auditIdentity,
  countActiveAdmins,
  identityEntry,
  iso,
  isUniqueViolation,
  lockAdminSet,
} from './service.js';

/** The people of the hotline, by public key. Full phone numbers leave this module only through `revealPhone`. */

interface UserRow {
  id: string;
  pubkey: string;
  display_name: string;
  phone_enc: string | null;
  phone_last4: string | null;
  languages: string[];
  roles: string[];
  active: boolean;
  on_break: boolean;
  call_preference: CallPreference;
  transcribe_my_calls: boolean;
  ui_language: string | null;
  created_at: Date;
  updated_at: Date;
  deactivated_at: Date | null;
}

const toView = (r: UserRow): UserView => ({
  id: r.id,
  pubkey: r.pubkey,
  displayName: r.display_name,
  roles: r.roles,
  languages: r.languages,
  active: r.active,
  onBreak: r.on_break,
  callPreference: r.call_preference,
  phoneLast4: r.phone_last4,
  createdAt: iso(r.created_at)!,
  updatedAt: iso(r.updated_at)!,
  deactivatedAt: iso(r.deactivated_at),
});

const target = (id: string) => `user:${id}`;

async function findUser(db: Queryable, id: string, forUpdate = false): Promise<UserRow> {
  const [row] = await db.query<UserRow>(
    `select * from users where id = $1${forUpdate ? ' for update' : ''}`,
    [id],
  );
  if (!row) throw new DomainError('not-found', `no user "${id}"`);
  return row;
}

interface NewUser {
  pubkey: string;
  displayName: string;
  roles: string[];
  /** A number already normalized and opened (from an invite); sealed again under the new user's row. */
  phone?: string | null;
}

/** Inserts a user inside the caller's transaction; a key that already belongs to a user is a conflict. */
export async function insertUser(
  tx: Queryable,
  settingsKey: Uint8Array,
  user: NewUser,
  now: Date,
): Promise<UserView> {
  const [taken] = await tx.query('select 1 from users where pubkey = $1', [user.pubkey]);
  if (taken) throw new DomainError('conflict', 'this key already belongs to a member of the hotline');
  const id = randomUUID();
  const phone: SealedPhone | null = user.phone ? sealPhone(settingsKey, 'users', id, user.phone) : null;
  try {
    const [row] = await tx.query<UserRow>(
      `insert into users (id, pubkey, display_name, roles, phone_enc, phone_last4, created_at, updated_at)
       values ($1, $2, $3, $4::jsonb, $5, $6, $7, $7) returning *`,
      [
        id,
        user.pubkey,
        user.displayName,
        JSON.stringify(user.roles),
        phone?.phoneEnc ?? null,
        phone?.phoneLast4 ?? null,
        now,
      ],
    );
    return toView(row!);
  } catch (error) {
    // Two requests for the same key at once: the unique index decides.
    if (isUniqueViolation(error))
      throw new DomainError('conflict', 'this key already belongs to a member of the hotline');
    throw error;
  }
}

interface UserFilter {
  active?: boolean;
  role?: string;
}

export async function listUsers(db: Queryable, filter: UserFilter): Promise<UserView[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.active !== undefined) {
    params.push(filter.active);
    where.push(`active = $${params.length}`);
  }
  if (filter.role) {
    params.push(JSON.stringify([filter.role]));
    where.push(`roles @> $${params.length}::jsonb`);
  }
  const rows = await db.query<UserRow>(
    `select * from users ${where.length ? `where ${where.join(' and ')}` : ''} order by display_name, id`,
    params,
  );
  return rows.map(toView);
}

export const getUser = async (db: Queryable, id: string): Promise<UserView> => toView(await findUser(db, id));

/** The full number, for an admin who must call a volunteer; every viewing is audited. */
export async function revealPhone(
  db: Database,
  settingsKey: Uint8Array,
  id: string,
  actor: Actor,
  now: Date,
): Promise<string | null> {
  return db.transaction(async (tx) => {
    const row = await findUser(tx, id);
    if (!row.phone_enc) return null;
    const phone = openPhone(settingsKey, 'users', id, row.phone_enc);
    await auditIdentity(tx, actor, 'phone-viewed', target(id), {}, now);
    return phone;
  });
}

const sameRoles = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

/** An admin's edit of a user. Role changes are checked (existing, grantable, never the last admin) and audited apart. */
export async function updateUser(
  db: Database,
  settingsKey: Uint8Array,
  id: string,
  body: UpdateUserBody,
  actor: Actor,
  now: Date,
): Promise<UserView> {
  return db.transaction(async (tx) => {
    const rolesChange = body.roles !== undefined;
    if (rolesChange) await lockAdminSet(tx);
    const before = await findUser(tx, id, true);
    await assertCanManage(tx, before.roles, actor);
    const roles = body.roles ?? before.roles;
    const changedRoles = !sameRoles(roles, before.roles);
    if (changedRoles) {
      const added = roles.filter((r) => !before.roles.includes(r));
      await assertRolesAssignable(tx, added, actor);
      const losesAdmin = before.roles.includes('admin') && !roles.includes('admin') && before.active;
      if (losesAdmin && (await countActiveAdmins(tx)) <= 1)
        throw new DomainError('conflict', 'this is the last active admin; make someone else admin first');
    }
    let phone: { phone_enc: string | null; phone_last4: string | null } = before;
    if (body.phone === null) phone = { phone_enc: null, phone_last4: null };
    else if (body.phone !== undefined) {
      const sealed = sealPhone(settingsKey, 'users', id, body.phone);
      phone = { phone_enc: sealed.phoneEnc, phone_last4: sealed.phoneLast4 };
    }
    const [after] = await tx.query<UserRow>(
      `update users set display_name = $2, roles = $3::jsonb, languages = $4::jsonb, phone_enc = $5,
         phone_last4 = $6, on_break = $7, call_preference = $8, updated_at = $9
       where id = $1 returning *`,
      [
        id,
        body.displayName ?? before.display_name,
        JSON.stringify(roles),
        JSON.stringify(body.languages ?? before.languages),
        phone.phone_enc,
        phone.phone_last4,
        body.onBreak ?? before.on_break,
        body.callPreference ?? before.call_preference,
        now,
      ],
    );
    // Field names only: the audit chain never holds the values of personal fields.
    const fields = Object.keys(body).filter((k) => k !== 'roles');
    if (fields.length) await auditIdentity(tx, actor, 'user-updated', target(id), { fields }, now);
    if (changedRoles)
      await auditIdentity(
        tx,
        actor,
        'roles-changed',
        target(id),
        { before: before.roles, after: roles },
        now,
      );
    return toView(after!);
  });
}

/**
 * Deactivation ends access at once: the key stops resolving to an active user and every
 * session is revoked in the same transaction. Nobody deactivates themselves or the last admin.
 */
export async function deactivateUser(db: Database, id: string, actor: Actor, now: Date): Promise<UserView> {
  if (actor.userId === id) throw new DomainError('conflict', 'you cannot deactivate yourself');
  return db.transaction(async (tx) => {
    await lockAdminSet(tx);
    const before = await findUser(tx, id, true);
    if (!before.active) throw new DomainError('conflict', 'this user is already deactivated');
    if (before.roles.includes('admin') && (await countActiveAdmins(tx)) <= 1)
      throw new DomainError('conflict', 'this is the last active admin; make someone else admin first');
    await assertCanManage(tx, before.roles, actor);
    const [after] = await tx.query<UserRow>(
      'update users set active = false, deactivated_at = $2, updated_at = $2 where id = $1 returning *',
      [id, now],
    );
    const sessionsRevoked = await revokeUserSessions(tx, id, now);
    await auditIdentity(tx, actor, 'user-deactivated', target(id), { sessionsRevoked }, now);
    return toView(after!);
  });
}

export async function reactivateUser(db: Database, id: string, actor: Actor, now: Date): Promise<UserView> {
  return db.transaction(async (tx) => {
    const before = await findUser(tx, id, true);
    if (before.active) throw new DomainError('conflict', 'this user is already active');
    // Reactivation hands the user's roles back, so it is held to the same rule as granting them.
    await assertCanManage(tx, before.roles, actor);
    const [after] = await tx.query<UserRow>(
      'update users set active = true, deactivated_at = null, updated_at = $2 where id = $1 returning *',
      [id, now],
    );
    await auditIdentity(tx, actor, 'user-reactivated', target(id), {}, now);
    return toView(after!);
  });
}

export async function getProfile(db: Queryable, id: string): Promise<ProfileView> {
  return profileOf(db, await findUser(db, id));
}

/** The users columns a profile shows (profileFromRow), for a statement that reads them with others. */
export const PROFILE_COLUMNS =
  'id, pubkey, display_name, roles, languages, on_break, call_preference, phone_last4, transcribe_my_calls, ui_language';

export type ProfileRow = Pick<
  UserRow,
  | 'id'
  | 'pubkey'
  | 'display_name'
  | 'roles'
  | 'languages'
  | 'on_break'
  | 'call_preference'
  | 'phone_last4'
  | 'transcribe_my_calls'
  | 'ui_language'
>;

/** A member's own profile from their row and the permissions of its roles (grantsOf). */
export const profileFromRow = (row: ProfileRow, permissions: string[]): ProfileView => ({
  id: row.id,
  pubkey: row.pubkey,
  displayName: row.display_name,
  roles: row.roles,
  permissions,
  languages: row.languages,
  onBreak: row.on_break,
  callPreference: row.call_preference,
  phoneLast4: row.phone_last4,
  transcribeMyCalls: row.transcribe_my_calls,
  uiLanguage: row.ui_language,
});

async function profileOf(db: Queryable, row: ProfileRow): Promise<ProfileView> {
  return profileFromRow(row, await permissionsOfRoles(db, row.roles));
}

/**
 * The SET list of a profile edit ($1 the user's id, $2–$9 profileParams): it keeps what the body
 * leaves out, so the update reads nothing first.
 */
const PROFILE_SET = `display_name = coalesce($2, display_name), languages = coalesce($3::jsonb, languages),
         on_break = coalesce($4, on_break), call_preference = coalesce($5, call_preference), updated_at = $6,
         transcribe_my_calls = coalesce($7, transcribe_my_calls),
         ui_language = case when $8::boolean then $9::text else ui_language end`;

const profileParams = (id: string, body: UpdateProfileBody, now: Date): unknown[] => [
  id,
  body.displayName ?? null,
  body.languages === undefined ? null : JSON.stringify(body.languages),
  body.onBreak ?? null,
  body.callPreference ?? null,
  now,
  body.transcribeMyCalls ?? null,
  // Null is a value here (forget the choice), so "left out" is told apart by a flag.
  body.uiLanguage !== undefined,
  body.uiLanguage ?? null,
];

/**
 * A member's edit of their own profile: never roles or phone, which admins manage. It is a
 * member's most frequent write (status, break, language), so with `auditHead` (the process's,
 * ctx.caches.auditHead) holding a guess it is one statement and no transaction: the row locked,
 * then the chain head, and the update and its audit entry made only when the head is the one
 * guessed, so they commit together or not at all (updateProfileOnGuess). A wrong guess (another
 * append moved the head first) is guessed again from the head that statement read, up to
 * GUESSES times, rather than handed at once to the transaction: the transaction holds the chain
 * head's lock across its round trips, and on a busy event loop each such hold made the appends
 * behind it wait and guess wrong in turn (PATCH /api/me at 200/s on PostgreSQL: one edit in
 * eight fell back, its guess had waited 13 ms at the median and up to 114 ms on the lock, and
 * p99 was 30–118 ms). Otherwise the update and the append in one transaction.
 */
export async function updateProfile(
  db: Database,
  id: string,
  body: UpdateProfileBody,
  actor: Actor,
  now: Date,
  auditHead?: AuditHeadCache,
): Promise<ProfileView> {
  const audit = identityEntry(actor, 'profile-updated', target(id), { fields: Object.keys(body) });
  for (let attempt = 0; auditHead && attempt < GUESSES; attempt++) {
    const guessed = await updateProfileOnGuess(db, id, body, audit, now, auditHead);
    if (typeof guessed === 'object') return profileOf(db, guessed);
    if (guessed === 'not-guessed') break;
  }
  // One guarded update (it takes the row lock itself), and the profile answered from the row it
  // returns: no read before or after.
  const row = await db.transaction(async (tx) => {
    const [updated] = await tx.query<ProfileRow>(
      `update users set ${PROFILE_SET} where id = $1 returning ${PROFILE_COLUMNS}`,
      profileParams(id, body, now),
    );
    if (!updated) throw new DomainError('not-found', `no user "${id}"`);
    await appendAuditInTx(tx, audit, now, auditHead);
    return updated;
  });
  return profileOf(db, row);
}

/** One-statement tries of a profile edit before the transaction (updateProfile says why). */
const GUESSES = 3;

/**
 * The profile edit and its audit entry in one statement, on the kept head's guess: the user's row
 * locked first and the head after it (the order the transaction takes them in, so the two cannot
 * deadlock), the entry inserted only on the head guessed and the row updated only with it. The
 * row when written; 'moved' when the head was another than guessed (the kept guess is then the
 * head read, so a new try may succeed); 'not-guessed' when no guess is kept or there is no such
 * user: the caller then does it in a transaction, which also tells a missing user apart.
 */
async function updateProfileOnGuess(
  db: Queryable,
  id: string,
  body: UpdateProfileBody,
  audit: AuditInput,
  now: Date,
  head: AuditHeadCache,
): Promise<ProfileRow | 'moved' | 'not-guessed'> {
  const params = profileParams(id, body, now);
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const before = head.kept;
  const parts = guessedAppendParts([audit], now, head, param, 'exists (select 1 from locked)');
  if (!parts) return 'not-guessed';
  const [row] = await db.query<Partial<ProfileRow> & GuessedAppendColumns>(
    `with locked as materialized (select id from users where id = $1 for update),
     ${parts.withSql},
     updated as (
       update users set ${PROFILE_SET}
        where id = (select id from locked) and exists (select 1 from audit_entries)
        returning ${PROFILE_COLUMNS})
     select updated.*, ${parts.selectSql} from (select 1) one left join updated on true`,
    params,
    // Each edit's guess is the head the one before it made: they must reach the database in order.
    { ordered: true },
  );
  if (row?.audit_appended && row.id) return row as ProfileRow;
  // The head locked but not the one guessed: the next guess is the head it read. Not locked (no
  // such user): the guess made for this entry is taken back.
  if (row?.audit_seq != null && row.audit_hash != null) {
    head.kept = { seq: Number(row.audit_seq), hash: row.audit_hash };
    return 'moved';
  }
  withdrawGuessedAppend(head, before, parts);
  return 'not-guessed';
}
