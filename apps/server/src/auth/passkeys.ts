import type {
  LoginResult,
  LoginVerifyBody,
  PasskeyRegisterVerifyBody,
  PasskeySummary,
} from '@llamenos/protocol';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { appendAudit, appendAuditInTx } from '../audit/service.js';
import type { Queryable } from '../db/database.js';
import type { AuditActor } from '../domain/actor.js';
import { conflict, invalid, notFound, unauthenticated } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { loadSettings } from '../settings/store.js';
import { consumeChallenge, storeChallenge } from './challenges.js';
import { advanceCounter, credentialsOf, deletePasskey, findPasskey, insertPasskey } from './passkey-store.js';
import { createSession } from './sessions.js';
import {
  authenticationOptions,
  registrationOptions,
  relyingParty,
  userHandleOf,
  verifyAssertion,
  verifyRegistration,
} from './webauthn.js';

/** Passkey registration and sign-in: the WebAuthn ceremonies plus storage, sessions and audit. */

type Member = { id: string; pubkey: string };

/** The active user with this id (the owner of a passkey), or null. */
async function activeUserById(db: Queryable, id: string): Promise<(Member & { displayName: string }) | null> {
  const [row] = await db.query<{ id: string; pubkey: string; display_name: string }>(
    'select id, pubkey, display_name from users where id = $1 and active',
    [id],
  );
  return row ? { id: row.id, pubkey: row.pubkey, displayName: row.display_name } : null;
}

export async function startRegistration(
  ctx: ServerContext,
  member: Member,
): Promise<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
  const user = await activeUserById(ctx.db, member.id);
  if (!user) throw unauthenticated('this account is no longer active');
  const { settings } = await loadSettings(ctx.db);
  const options = await registrationOptions(
    relyingParty(ctx.config),
    settings.hotlineName,
    user,
    await credentialsOf(ctx.db, user.id),
  );
  const challengeId = await storeChallenge(ctx.db, options.challenge, 'register', user.id, ctx.now());
  return { challengeId, options };
}

export async function finishRegistration(
  ctx: ServerContext,
  member: Member,
  body: PasskeyRegisterVerifyBody,
  ipHash: string,
): Promise<PasskeySummary> {
  const now = ctx.now();
  const challenge = await consumeChallenge(ctx.db, body.challengeId, 'register', member.id, now);
  if (!challenge) throw invalid('registration challenge unknown, expired or already used; start again');
  const credential = await verifyRegistration(relyingParty(ctx.config), challenge, body.response);
  if (!credential) throw invalid('the passkey could not be verified');
  const label = body.label ?? 'Passkey';
  await ctx.db.transaction(async (tx) => {
    const added = await insertPasskey(tx, { ...credential, userId: member.id, label }, now);
    if (!added) throw conflict('this passkey is already registered');
    await appendAuditInTx(
      tx,
      {
        action: 'auth.passkey-added',
        actorPubkey: member.pubkey,
        target: credential.id,
        details: { label },
        ipHash,
      },
      now,
    );
  });
  return {
    id: credential.id,
    label,
    transports: credential.transports,
    createdAt: now.toISOString(),
    lastUsedAt: null,
  };
}

export async function startLogin(
  ctx: ServerContext,
): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  const options = await authenticationOptions(relyingParty(ctx.config));
  const challengeId = await storeChallenge(ctx.db, options.challenge, 'login', null, ctx.now());
  return { challengeId, options };
}

/** Why a sign-in failed, for the audit log only; the caller always gets the same answer. */
type FailureReason = 'challenge' | 'unknown-credential' | 'inactive-user' | 'user-handle' | 'signature';

/**
 * Verifies a sign-in assertion and opens an eight-hour session. Every refusal is audited
 * with the client's IP hash and nothing that names a person, and answered with one generic
 * 401 so the response does not reveal which credentials or users exist.
 */
export async function finishLogin(
  ctx: ServerContext,
  body: LoginVerifyBody,
  ipHash: string,
): Promise<LoginResult> {
  const now = ctx.now();
  const refuse = async (reason: FailureReason): Promise<never> => {
    await appendAudit(
      ctx.db,
      { action: 'auth.login-failed', details: { method: 'passkey', reason }, ipHash },
      now,
    );
    throw unauthenticated('passkey sign-in failed');
  };

  const challenge = await consumeChallenge(ctx.db, body.challengeId, 'login', null, now);
  if (!challenge) return refuse('challenge');
  const passkey = await findPasskey(ctx.db, body.response.id);
  if (!passkey) return refuse('unknown-credential');
  const user = await activeUserById(ctx.db, passkey.userId);
  if (!user) return refuse('inactive-user');
  const handle = body.response.response.userHandle;
  if (handle && handle !== Buffer.from(userHandleOf(user.id)).toString('base64url'))
    return refuse('user-handle');
  const verified = await verifyAssertion(relyingParty(ctx.config), challenge, body.response, passkey);
  if (!verified) return refuse('signature');

  // A genuine signature with a counter that did not move forward means the credential's key
  // is being used by a second authenticator (a clone): refuse, and say so in the audit log.
  if (!(await advanceCounter(ctx.db, passkey.id, verified.counter, now))) {
    await appendAudit(
      ctx.db,
      {
        action: 'auth.passkey-counter-regression',
        actorPubkey: user.pubkey,
        target: passkey.id,
        details: { storedCounter: passkey.counter, receivedCounter: verified.counter },
        ipHash,
      },
      now,
    );
    throw unauthenticated('passkey sign-in failed');
  }

  const { token, session } = await ctx.db.transaction(async (tx) => {
    const created = await createSession(tx, user, now);
    await appendAuditInTx(
      tx,
      {
        action: 'auth.login',
        actorPubkey: user.pubkey,
        target: passkey.id,
        details: { method: 'passkey' },
        ipHash,
      },
      now,
    );
    return created;
  });
  return {
    token,
    expiresAt: new Date(session.expires_at).toISOString(),
    user: { id: user.id, pubkey: user.pubkey },
  };
}

/** Removes one of the member's passkeys; someone else's credential answers exactly like a missing one. */
export async function removePasskey(
  ctx: ServerContext,
  actor: AuditActor,
  userId: string,
  credentialId: string,
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    if (!(await deletePasskey(tx, userId, credentialId))) throw notFound('no such passkey');
    await appendAuditInTx(
      tx,
      {
        action: 'auth.passkey-removed',
        actorPubkey: actor.pubkey,
        target: credentialId,
        ipHash: actor.ipHash,
      },
      ctx.now(),
    );
  });
}
