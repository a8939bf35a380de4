import { randomBytes } from 'node:crypto';
import {
  type CachedAgreement,
  ENVELOPE_VERSION,
  encryptContent,
  PURPOSES,
  type SealedEnvelope,
  toBase64url,
  utf8,
  wrapKeyWith,
} from '@llamenos/crypto';
import { hasPermission } from '@llamenos/protocol';
import type { ServerContext } from '../http/context.js';
import { grantsOf } from '../identity/lookup.js';
import { type CallsTable, ENDED_CALL } from './store.js';
import { errorInfo } from './wiring.js';

/**
 * Sealed call metadata. While a call is live the router needs who answered (`answered_by`,
 * `answered_leg_id`, each leg's `user_id`) and the caller's keyed hash (bans, "ban and hang up").
 * Once the call has ended nothing on the server needs them any more, so they are sealed for the
 * readers of the call history and cleared from the plaintext columns: a copy of the database
 * then no longer says which volunteer took which call, nor links one caller's calls together.
 *
 * Readers: active users holding `calls:read-all` — exactly who may list the history
 * (`GET /api/calls`), so whoever sees a row can open its metadata, and nobody else. They are
 * read with the row (the rule of records/envelope.ts activeUsersHolding, in the same
 * statement), and the wraps are made with the server's per-reader ECDH tables
 * (`ctx.conversations.agreement`, conversations/seal.ts), sharing one ephemeral key for the
 * record (PROTOCOL.md §6): the same readers, the admins, are wrapped for call after call.
 *
 * What stays in plaintext: status (counts by outcome), the times (duration, retention),
 * the caller's last four digits (shown in the history, already in audit entries), the
 * provider's call id (late webhooks such as the voicemail recording find the call by it)
 * and each leg's kind, status and times (no identity once `user_id` is null).
 */

const CALL_META_VERSION = 1;
export const callMetaRecordId = (callId: string) => `call-meta:${callId}`;

/** The JSON sealed under PURPOSES.callMeta, record id `call-meta:<callId>`. */
export interface CallMeta {
  v: typeof CALL_META_VERSION;
  answeredBy: { userId: string; pubkey: string | null } | null;
  callerHash: string | null;
  callerLast4: string | null;
  legs: { userId: string | null; kind: string; status: string }[];
}

/** Calls ended this long ago and still unsealed are picked up by the catch-up sweep. */
const CATCH_UP_AFTER_MS = 60_000;

type SealOutcome = 'sealed' | 'no-readers' | 'not-ended';

/**
 * What sealing a call reads beside the call's row (`call`, its alias in the statement): who
 * answered, who was rung (each leg from `legs`, aliased l, its status as `legStatus` gives it:
 * the statement that ends a call closes legs itself), how many legs it has, and who may read it
 * (the rule of records/envelope.ts activeUsersHolding).
 */
export const sealColumnsSql = (call: string, legs = 'call_legs l', legStatus = 'l.status'): string =>
  `(select pubkey from users where id = ${call}.answered_by) as answered_pubkey,
          (select coalesce(json_agg(json_build_object('userId', l.user_id, 'kind', l.kind, 'status', ${legStatus})
                                    order by l.created_at, l.id), '[]'::json)
             from ${legs} where l.call_id = ${call}.id) as rung,
          (select count(*)::int from call_legs n where n.call_id = ${call}.id) as rung_count,
          (select coalesce(json_agg(json_build_array(a.pubkey, a.roles) order by a.pubkey), '[]'::json)
             from users a where a.active) as active_users,
          (select coalesce(json_object_agg(r.id, r.permissions), '{}'::json) from custom_roles r) as custom_roles`;

/** An ended call's row with sealColumnsSql's columns. */
export type SealRead = CallsTable & {
  answered_pubkey: string | null;
  rung: unknown;
  rung_count: number;
  active_users: unknown;
  custom_roles: unknown;
};

/**
 * Seals one ended call's metadata and clears the plaintext, once: the row is locked and the
 * work skipped if `meta_envelope` is already set, so a second process (or the catch-up sweep)
 * cannot seal it twice. With nobody to seal for, the plaintext stays until someone holds
 * calls:read-all (the sweep retries): losing the record would be worse than keeping it.
 *
 * `read`: the call as the statement that ended it read it (end.ts), so sealing costs only its
 * write; that write happens only if the call is still unsealed and has the legs read (a queue
 * round may have rung one more between), else the call is read again and sealed as without it.
 */
export async function sealCallMeta(
  ctx: ServerContext,
  callId: string,
  read?: SealRead,
): Promise<SealOutcome> {
  if (read) {
    const sealed = envelopeFor(ctx, read);
    if (!sealed) return 'no-readers';
    // The row's plaintext, its legs' volunteers and a training line's signalling cleared together.
    const [row] = await ctx.db.query<{ sealed: number }>(
      `with sealed as (
         update calls set meta_envelope = $2::jsonb, answered_by = null, answered_leg_id = null, caller_hash = null,
             trainer_id = null
          where id = $1 and ended_at is not null and meta_envelope is null
            and (select count(*) from call_legs where call_id = $1) = $3
          returning id),
        legs as (update call_legs set user_id = null where call_id = (select id from sealed)),
        lines as (delete from training_lines where call_id = (select id from sealed))
       select count(*)::int as sealed from sealed`,
      [callId, JSON.stringify(sealed), read.rung_count],
    );
    if (row?.sealed) return 'sealed';
  }
  return ctx.db.transaction(async (tx) => {
    // The row, who answered, who was rung and who may read it, in one statement.
    const [call] = await tx.query<SealRead>(
      `select c.*, ${sealColumnsSql('c')}
         from calls c
        where c.id = $1 and c.ended_at is not null and c.meta_envelope is null and c.status = any($2::text[])
        for update of c`,
      [callId, ENDED_CALL],
    );
    if (!call) return 'not-ended';
    const envelope = envelopeFor(ctx, call);
    if (!envelope) return 'no-readers';
    // The call's plaintext and its legs' volunteers cleared together (a training line's signalling too).
    await tx.query(
      `with legs as (update call_legs set user_id = null where call_id = $1),
        lines as (delete from training_lines where call_id = $1)
       update calls set meta_envelope = $2::jsonb, answered_by = null, answered_leg_id = null, caller_hash = null,
        trainer_id = null
        where id = $1`,
      [callId, JSON.stringify(envelope)],
    );
    return 'sealed';
  });
}

/** The call's metadata sealed for its readers; null when nobody may read it. */
function envelopeFor(ctx: ServerContext, call: SealRead): SealedEnvelope | null {
  const custom = parsedJson(call.custom_roles) as Record<string, string[]>;
  const readers = (parsedJson(call.active_users) as [string, string[]][])
    .filter(([, roles]) => hasPermission(grantsOf(roles, custom), 'calls:read-all'))
    .map(([pubkey]) => pubkey);
  if (!readers.length) return null;
  const meta: CallMeta = {
    v: CALL_META_VERSION,
    answeredBy: call.answered_by ? { userId: call.answered_by, pubkey: call.answered_pubkey ?? null } : null,
    callerHash: call.caller_hash ?? null,
    callerLast4: call.caller_last4 ?? null,
    legs: parsedJson(call.rung) as CallMeta['legs'],
  };
  return sealCallRecord(ctx.conversations.agreement, call.id, meta, readers);
}

/** A json column as the driver gives it: parsed already (postgres.js) or as text. */
const parsedJson = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

/**
 * The envelope sealForReaders makes (same format, PROTOCOL.md §9), with the wraps' ECDH done by
 * the server's kept per-reader tables and one ephemeral key for this record's wraps.
 */
function sealCallRecord(
  agreement: CachedAgreement,
  callId: string,
  meta: CallMeta,
  readers: readonly string[],
): SealedEnvelope {
  const recordId = callMetaRecordId(callId);
  const key = randomBytes(32);
  try {
    const ciphertext = encryptContent(key, utf8(JSON.stringify(meta)), {
      label: PURPOSES.callMeta.content,
      recordId,
    });
    const wraps = agreement.forOneObject((agree) =>
      [...new Set(readers)].map((reader) => ({
        reader,
        wrap: toBase64url(wrapKeyWith(key, reader, { label: PURPOSES.callMeta.wrap, recordId }, agree)),
      })),
    );
    return { v: ENVELOPE_VERSION, ciphertext: toBase64url(ciphertext), wraps };
  } finally {
    key.fill(0);
  }
}

/**
 * Seals a call that just ended without letting a failure reach the caller's flow: the call has
 * ended either way, and the catch-up sweep seals whatever this missed.
 */
export async function sealEndedCall(ctx: ServerContext, callId: string, read?: SealRead): Promise<void> {
  try {
    const outcome = await sealCallMeta(ctx, callId, read);
    if (outcome === 'no-readers')
      ctx.log.warn({ callId }, 'nobody holds calls:read-all; call metadata stays unsealed for now');
  } catch (error) {
    ctx.log.error({ callId, err: errorInfo(error) }, 'call metadata not sealed; the sweep will retry');
  }
}

/**
 * Seals ended calls left unsealed: a process stopped between ending and sealing, or nobody
 * could read the metadata at the time. Only calls ended a minute ago or more, so a call whose
 * legs are still being closed by the process that ended it is left to that process.
 */
export async function sealUnsealedCalls(ctx: ServerContext, now: Date, limit = 200): Promise<number> {
  const rows = await ctx.db.query<{ id: string }>(
    `select id from calls where ended_at is not null and meta_envelope is null and ended_at < $1
      order by ended_at limit ${limit}`,
    [new Date(now.getTime() - CATCH_UP_AFTER_MS)],
  );
  let sealed = 0;
  for (const { id } of rows) {
    const outcome = await sealCallMeta(ctx, id);
    if (outcome === 'no-readers') break; // nobody to seal for: the rest would say the same
    if (outcome === 'sealed') sealed += 1;
  }
  return sealed;
}
