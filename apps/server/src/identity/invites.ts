import { randomUUID } from 'node:crypto';
import type {
  CreatedInvite,
  CreateInviteBody,
  InvitePreview,
  InviteStatus,
  InviteView,
  JoinLinkStatus,
  UserView,
} from '@llamenos/protocol';
import type { Database, Queryable } from '../db/database.js';
import { DomainError } from '../domain/errors.js';
import { openPhone, sealPhone } from './phone.js';
import { assertRolesAssignable } from './roles.js';
import { type Actor, auditIdentity, hashOneTimeToken, iso, newOneTimeToken } from './service.js';
import { insertUser } from './users.js';

/**
 * Invites: an admin names a person and their roles; the link carries a random code in its
 * fragment (never sent to servers or written to logs), and only the code's SHA-256 is stored.
 * The first signed redemption takes the invite, atomically; every later one is refused.
 */

interface InviteRow {
  id: string;
  display_name: string;
  roles: string[];
  phone_enc: string | null;
  phone_last4: string | null;
  created_by: string;
  created_at: Date;
  expires_at: Date;
  redeemed_at: Date | null;
  redeemed_by: string | null;
  revoked_at: Date | null;
}

function statusOf(r: InviteRow, now: Date): InviteStatus {
  if (r.revoked_at) return 'revoked';
  if (r.redeemed_at) return 'redeemed';
  if (new Date(r.expires_at) <= now) return 'expired';
  return 'pending';
}

const toView = (r: InviteRow, now: Date): InviteView => ({
  id: r.id,
  displayName: r.display_name,
  roles: r.roles,
  phoneLast4: r.phone_last4,
  createdBy: r.created_by,
  createdAt: iso(r.created_at)!,
  expiresAt: iso(r.expires_at)!,
  status: statusOf(r, now),
  redeemedAt: iso(r.redeemed_at),
  redeemedBy: r.redeemed_by,
});

const target = (id: string) => `invite:${id}`;

export async function createInvite(
  db: Database,
  settingsKey: Uint8Array,
  publicUrl: string,
  body: CreateInviteBody,
  actor: Actor,
  now: Date,
): Promise<CreatedInvite> {
  const id = randomUUID();
  const token = newOneTimeToken();
  const expiresAt = new Date(now.getTime() + body.expiresInHours * 3600_000);
  const phone = body.phone ? sealPhone(settingsKey, 'invites', id, body.phone) : null;
  await db.transaction(async (tx) => {
    await assertRolesAssignable(tx, body.roles, actor);
    await tx.query(
      `insert into invites (id, token_hash, display_name, roles, phone_enc, phone_last4, created_by, created_at, expires_at)
       values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9)`,
      [
        id,
        hashOneTimeToken(token),
        body.displayName,
        JSON.stringify(body.roles),
        phone?.phoneEnc ?? null,
        phone?.phoneLast4 ?? null,
        actor.pubkey,
        now,
        expiresAt,
      ],
    );
    await auditIdentity(
      tx,
      actor,
      'invite-created',
      target(id),
      { roles: body.roles, expiresInHours: body.expiresInHours, withPhone: phone !== null },
      now,
    );
  });
  // The code travels in the fragment, which browsers never send to servers or put in logs.
  return { id, token, link: `${publicUrl}/invite#${token}`, expiresAt: expiresAt.toISOString() };
}

export async function listInvites(db: Queryable, now: Date, status?: InviteStatus): Promise<InviteView[]> {
  const rows = await db.query<InviteRow>('select * from invites order by created_at desc, id');
  const views = rows.map((r) => toView(r, now));
  return status ? views.filter((v) => v.status === status) : views;
}

export async function revokeInvite(db: Database, id: string, actor: Actor, now: Date): Promise<InviteView> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<InviteRow>('select * from invites where id = $1 for update', [id]);
    if (!row) throw new DomainError('not-found', `no invite "${id}"`);
    const status = statusOf(row, now);
    if (status === 'redeemed') throw new DomainError('conflict', 'this invite was already accepted');
    if (status === 'revoked') throw new DomainError('conflict', 'this invite was already revoked');
    const [after] = await tx.query<InviteRow>(
      'update invites set revoked_at = $2 where id = $1 returning *',
      [id, now],
    );
    await auditIdentity(tx, actor, 'invite-revoked', target(id), { wasStatus: status }, now);
    return toView(after!, now);
  });
}

/** Why a code cannot be used, worded for the person holding the link. */
function refuse(row: InviteRow | undefined, now: Date): never {
  if (!row)
    throw new DomainError('not-found', 'this invite link is not valid; check that it was copied whole');
  const status = statusOf(row, now);
  if (status === 'redeemed') throw new DomainError('gone', 'this invite was already accepted');
  if (status === 'revoked') throw new DomainError('gone', 'this invite was withdrawn; ask for a new one');
  throw new DomainError('gone', 'this invite has expired; ask for a new one');
}

const findByToken = async (db: Queryable, token: string) =>
  (await db.query<InviteRow>('select * from invites where token_hash = $1', [hashOneTimeToken(token)]))[0];

/**
 * The up-front check of an invite link: only whether it can still be used (a withdrawn invite
 * reads as expired; the holder's next step is the same). Looked up by the code's hash.
 */
export async function inviteLinkStatus(db: Queryable, token: string, now: Date): Promise<JoinLinkStatus> {
  const row = await findByToken(db, token);
  if (!row) return 'unknown';
  const status = statusOf(row, now);
  if (status === 'pending') return 'valid';
  return status === 'redeemed' ? 'used' : 'expired';
}

export async function previewInvite(db: Queryable, token: string, now: Date): Promise<InvitePreview> {
  const row = await findByToken(db, token);
  if (!row || statusOf(row, now) !== 'pending') refuse(row, now);
  return { displayName: row.display_name, roles: row.roles, expiresAt: iso(row.expires_at)! };
}

/**
 * Takes the invite and creates its user in one transaction. The conditional update is the
 * decision: of two concurrent redemptions (from any number of server processes) exactly one
 * updates the row; the other finds it taken.
 */
export async function redeemInvite(
  db: Database,
  settingsKey: Uint8Array,
  token: string,
  redeemer: Pick<Actor, 'pubkey' | 'ipHash'>,
  displayName: string | undefined,
  now: Date,
): Promise<UserView> {
  const tokenHash = hashOneTimeToken(token);
  return db.transaction(async (tx) => {
    const [invite] = await tx.query<InviteRow>(
      `update invites set redeemed_at = $2, redeemed_by = $3
       where token_hash = $1 and redeemed_at is null and revoked_at is null and expires_at > $2
       returning *`,
      [tokenHash, now, redeemer.pubkey],
    );
    if (!invite) refuse(await findByToken(tx, token), now);
    // A custom role deleted since the invite was made would grant nothing; refuse rather than half-admit.
    await assertRolesExist(tx, invite.roles);
    const phone = invite.phone_enc ? openPhone(settingsKey, 'invites', invite.id, invite.phone_enc) : null;
    // The number now lives with the user; the spent invite keeps no copy.
    if (phone) await tx.query('update invites set phone_enc = null where id = $1', [invite.id]);
    const user = await insertUser(
      tx,
      settingsKey,
      {
        pubkey: redeemer.pubkey,
        displayName: displayName ?? invite.display_name,
        roles: invite.roles,
        phone,
      },
      now,
    );
    await auditIdentity(
      tx,
      redeemer,
      'invite-redeemed',
      `user:${user.id}`,
      { inviteId: invite.id, roles: invite.roles },
      now,
    );
    return user;
  });
}

async function assertRolesExist(tx: Queryable, roles: readonly string[]): Promise<void> {
  await assertRolesAssignable(tx, roles, { permissions: ['*'] }).catch((error) => {
    if (error instanceof DomainError)
      throw new DomainError('conflict', 'a role of this invite no longer exists; ask for a new invite');
    throw error;
  });
}
