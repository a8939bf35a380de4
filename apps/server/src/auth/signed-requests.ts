import type { Queryable } from '../db/database.js';
import type { AuthState } from '../http/context.js';
import { grantsOf } from '../identity/lookup.js';
import { PASSKEYS_REQUIRED_SQL } from './passkey-policy.js';

/** What the database says about one verified NIP-98 token. */
export interface TokenStanding {
  /** The token's id was not in the replay cache (and now is): false means a replay. */
  fresh: boolean;
  /** The active user holding the signing key, with their permissions; null for unknown or deactivated keys. */
  user: AuthState['user'];
  /** The hotline requires passkeys and this user has none (see passkey-policy.ts). */
  needsPasskey: boolean;
}

export interface VerifiedToken {
  eventId: string;
  pubkey: string;
  rememberUntil: Date;
}

interface StandingRow {
  event_id: string;
  fresh: boolean;
  user_id: string | null;
  roles: string[] | null;
  custom_permissions: Record<string, string[]> | null;
  needs_passkey: boolean;
}

/**
 * One statement for a batch of verified tokens: each id goes into the replay cache (the primary
 * key insert is the check, so a token used on another process is refused here too), and the
 * signer's user, roles, custom-role permissions and passkey standing are read in the same
 * snapshot. Nothing about a member is cached in the process: a role change, a deactivation or a
 * removed passkey counts from the next statement, on every process. Ids must be distinct.
 */
export async function standingOfTokens(
  db: Queryable,
  tokens: readonly VerifiedToken[],
): Promise<Map<string, TokenStanding>> {
  const rows = await db.query<StandingRow>(
    `with token as (
       select * from unnest($1::text[], $2::timestamptz[], $3::text[]) as t(event_id, remember_until, pubkey)
     ), fresh as (
       insert into auth_replay (event_id, remember_until)
       select event_id, remember_until from token
       on conflict (event_id) do nothing
       returning event_id
     ), policy as (
       select ${PASSKEYS_REQUIRED_SQL} as passkeys_required
     )
     select token.event_id,
       exists (select 1 from fresh where fresh.event_id = token.event_id) as fresh,
       u.id as user_id,
       u.roles,
       (select jsonb_object_agg(c.id, c.permissions) from custom_roles c where u.roles ? c.id) as custom_permissions,
       coalesce(policy.passkeys_required and u.id is not null
         and not exists (select 1 from passkeys p where p.user_id = u.id), false) as needs_passkey
     from token
     cross join policy
     left join users u on u.pubkey = token.pubkey and u.active`,
    [
      tokens.map((t) => t.eventId),
      // As text: postgres.js does not send an array of Dates as timestamptz[].
      tokens.map((t) => t.rememberUntil.toISOString()),
      tokens.map((t) => t.pubkey),
    ],
  );
  const pubkeyOf = new Map(tokens.map((t) => [t.eventId, t.pubkey]));
  return new Map(
    rows.map((row) => [
      row.event_id,
      {
        fresh: row.fresh,
        user:
          row.user_id && row.roles
            ? {
                id: row.user_id,
                pubkey: pubkeyOf.get(row.event_id)!,
                roles: row.roles,
                permissions: grantsOf(row.roles, row.custom_permissions ?? {}),
              }
            : null,
        needsPasskey: row.needs_passkey,
      },
    ]),
  );
}

interface Waiting {
  token: VerifiedToken;
  resolve(standing: TokenStanding): void;
  reject(error: unknown): void;
}

/** Tokens in one statement at most: the arrays stay far below any parameter limit. */
const MAX_BATCH = 256;

/**
 * Gathers the signed requests of one server context into batches for standingOfTokens: a request
 * arriving while no statement is running is sent at once (an idle server adds no delay); those
 * arriving meanwhile wait for it and go together in the next one. Under load that turns a round
 * trip and a commit per request into one per batch.
 */
export class SignedRequestBatcher {
  private waiting: Waiting[] = [];
  private running = false;

  constructor(private readonly db: Queryable) {}

  standing(token: VerifiedToken): Promise<TokenStanding> {
    return new Promise<TokenStanding>((resolve, reject) => {
      this.waiting.push({ token, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length) {
        // Distinct ids per statement: a second copy of an id waits for the next one, where the
        // first copy's row refuses it.
        const batch: Waiting[] = [];
        const later: Waiting[] = [];
        const ids = new Set<string>();
        for (const w of this.waiting) {
          if (batch.length < MAX_BATCH && !ids.has(w.token.eventId)) {
            ids.add(w.token.eventId);
            batch.push(w);
          } else later.push(w);
        }
        this.waiting = later;
        try {
          const standing = await standingOfTokens(
            this.db,
            batch.map((w) => w.token),
          );
          for (const w of batch) {
            const s = standing.get(w.token.eventId);
            if (s) w.resolve(s);
            else w.reject(new Error('replay cache statement returned no row for a token'));
          }
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
