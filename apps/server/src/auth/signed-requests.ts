import type { ProfileView } from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import type { AuthState } from '../http/context.js';
import { grantsOf } from '../identity/lookup.js';
import { PROFILE_COLUMNS, type ProfileRow, profileFromRow } from '../identity/users.js';
import { PASSKEYS_REQUIRED_SQL } from './passkey-policy.js';

/** What the database says about one verified NIP-98 token. */
export interface TokenStanding {
  /** The token's id was not in the replay cache (and now is): false means a replay. */
  fresh: boolean;
  /** The active user holding the signing key, with their permissions; null for unknown or deactivated keys. */
  user: AuthState['user'];
  /** The hotline requires passkeys and this user has none (see passkey-policy.ts). */
  needsPasskey: boolean;
  /** The user's own profile, read in the same statement when the request asked for it (withProfile). */
  profile: ProfileView | null;
}

export interface VerifiedToken {
  eventId: string;
  pubkey: string;
  rememberUntil: Date;
  /**
   * The request is for the signer's own profile (GET /api/me, every page load): the statement
   * reads it too, in the same round trip. Profile fields do not move member_generation, so the
   * profile is never kept, only read with the standing.
   */
  withProfile?: boolean;
}

/** The columns memberSql and profileSql add to a row. */
interface MemberColumns {
  /** member_generation as text (bigint arrives as a string from one driver, a number from the other). */
  generation: string;
  passkeys_required: boolean;
  /** The signer's row was read by this statement (not known to the process at this generation). */
  looked_up: boolean;
  user_id: string | null;
  roles: string[] | null;
  custom_permissions: Record<string, string[]> | null;
  has_passkey: boolean | null;
  profile: ProfileRow | null;
}

interface StandingRow extends MemberColumns {
  event_id: string;
  fresh: boolean;
}

/** The policy and member_generation, read in the statement's snapshot (a CTE named now_). */
const NOW_SQL = `now_ as (
       select ${PASSKEYS_REQUIRED_SQL} as passkeys_required,
         (select generation::text from member_generation where id = 1) as generation
     )`;

/**
 * The active user holding `pubkey` (an SQL expression), read only where `lookedUp` holds: their
 * id, roles, custom-role permissions and whether they have a passkey (a left join lateral `m`).
 */
const memberSql = (pubkey: string, lookedUp: string) => `left join lateral (
       select u.id as user_id, u.roles,
         (select jsonb_object_agg(c.id, c.permissions) from custom_roles c where u.roles ? c.id) as custom_permissions,
         exists (select 1 from passkeys p where p.user_id = u.id) as has_passkey
       from users u
       where ${lookedUp} and u.pubkey = ${pubkey} and u.active
     ) m on true`;

/** The profile of the active user holding `pubkey`, as one jsonb value, where `wanted` holds. */
const profileSql = (pubkey: string, wanted: string) =>
  `(select to_jsonb(p) from (select ${PROFILE_COLUMNS} from users u
       where ${wanted} and u.pubkey = ${pubkey} and u.active) p) as profile`;

/** What a process keeps about an active member between their signed requests. */
interface KeptMember {
  user: NonNullable<AuthState['user']>;
  hasPasskey: boolean;
}

/** Members kept at most; past it the set starts again (a hotline has far fewer). */
const MAX_KEPT_MEMBERS = 10_000;

/**
 * Active members' standing (id, roles, permissions, whether they hold a passkey) as of one value
 * of member_generation (identity/005), which changes in the same transaction as any change to
 * it. Each statement reads the value in the snapshot it inserts the token ids in; a signer kept
 * under that same value is not read again, anyone else is. So what an admin changes about a
 * member counts from the member's next request on every process, as if nothing were kept. Only
 * members are kept: a key with no active member behind it is read each time.
 */
export class MemberStanding {
  private generation: string | null = null;
  private readonly members = new Map<string, KeptMember>();

  /** The generation the kept members were read under, or null when nothing may be trusted. */
  get keptGeneration(): string | null {
    return this.generation;
  }

  /** The member holding `pubkey` as kept under keptGeneration. */
  kept(pubkey: string): KeptMember | undefined {
    return this.generation === null ? undefined : this.members.get(pubkey);
  }

  /** Takes what a statement read under `generation`; anything kept under another one is dropped. */
  learn(generation: string, pubkey: string, member: KeptMember | null): void {
    if (generation !== this.generation) this.forget(generation);
    if (!member) this.members.delete(pubkey);
    else {
      if (this.members.size >= MAX_KEPT_MEMBERS) this.members.clear();
      this.members.set(pubkey, member);
    }
  }

  /** Drops everything (the `members:changed` hook: a change made on this process). */
  forget(generation: string | null = null): void {
    this.members.clear();
    this.generation = generation;
  }
}

/**
 * One statement for a batch of verified tokens: each id goes into the replay cache (the primary
 * key insert is the check, so a token used on another process is refused here too), and, in the
 * same snapshot, the passkey policy, member_generation and, for the signers `standing` does not
 * keep under that generation, their user, roles, custom-role permissions and passkeys. Ids must
 * be distinct.
 */
export async function standingOfTokens(
  db: Queryable,
  tokens: readonly VerifiedToken[],
  standing: MemberStanding = new MemberStanding(),
): Promise<Map<string, TokenStanding>> {
  const keptGeneration = standing.keptGeneration;
  // Taken now: a members:changed hook may empty the set while the statement runs.
  const kept = tokens.map((t) => standing.kept(t.pubkey));
  const rows = await db.query<StandingRow>(
    `with token as (
       select event_id, remember_until, pubkey, kept = 'y' as kept, with_profile = 'y' as with_profile
       from unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $6::text[])
         as t(event_id, remember_until, pubkey, kept, with_profile)
     ), fresh as (
       insert into auth_replay (event_id, remember_until)
       select event_id, remember_until from token
       on conflict (event_id) do nothing
       returning event_id
     ), ${NOW_SQL}
     select token.event_id,
       exists (select 1 from fresh where fresh.event_id = token.event_id) as fresh,
       now_.generation, now_.passkeys_required,
       (not token.kept or now_.generation is distinct from $5::text) as looked_up,
       m.user_id, m.roles, m.custom_permissions, m.has_passkey,
       ${profileSql('token.pubkey', 'token.with_profile')}
     from token
     cross join now_
     ${memberSql('token.pubkey', '(not token.kept or now_.generation is distinct from $5::text)')}`,
    [
      tokens.map((t) => t.eventId),
      // As text: postgres.js does not send an array of Dates as timestamptz[].
      tokens.map((t) => t.rememberUntil.toISOString()),
      tokens.map((t) => t.pubkey),
      // As text too: postgres.js sends an array of booleans as one boolean.
      kept.map((k) => (k ? 'y' : 'n')),
      keptGeneration,
      tokens.map((t) => (t.withProfile ? 'y' : 'n')),
    ],
    // The arrays' length is all a custom plan would learn, and planning was half the statement's CPU.
    { plan: 'generic' },
  );
  const keptOf = new Map(tokens.map((t, i) => [t.eventId, kept[i]]));
  const pubkeyOf = new Map(tokens.map((t) => [t.eventId, t.pubkey]));
  const result = new Map<string, TokenStanding>();
  for (const row of rows) {
    const pubkey = pubkeyOf.get(row.event_id)!;
    result.set(row.event_id, {
      fresh: row.fresh,
      ...memberOf(row, pubkey, keptOf.get(row.event_id), standing),
    });
  }
  return result;
}

/**
 * The member a statement's row says holds `pubkey`: read by it (and then kept), or the one kept
 * (`kept`) when the statement found the generation unchanged.
 */
function memberOf(
  row: MemberColumns,
  pubkey: string,
  kept: KeptMember | undefined,
  standing: MemberStanding,
): Omit<TokenStanding, 'fresh'> {
  let member: KeptMember | null | undefined;
  if (row.looked_up) {
    // Frozen: one kept object is handed to many requests, so none may change it for the others.
    member =
      row.user_id && row.roles
        ? {
            user: Object.freeze({
              id: row.user_id,
              pubkey,
              roles: Object.freeze(row.roles) as string[],
              permissions: Object.freeze(grantsOf(row.roles, row.custom_permissions ?? {})) as string[],
            }),
            hasPasskey: row.has_passkey === true,
          }
        : null;
    standing.learn(row.generation, pubkey, member);
  } else member = kept;
  const user = member?.user ?? null;
  return {
    user,
    needsPasskey: row.passkeys_required && member != null && !member.hasPasskey,
    // The standing's permissions are current in this same snapshot (member_generation).
    profile: user && row.profile ? profileFromRow(row.profile, [...user.permissions]) : null,
  };
}

/** What the database says about a session's bearer token. */
export interface SessionStanding extends Omit<TokenStanding, 'fresh'> {
  sessionId: string;
  /** The key the session was opened for (it never changes for a session). */
  pubkey: string;
}

interface SessionRow extends MemberColumns {
  session_id: string | null;
  session_pubkey: string | null;
}

/**
 * A bearer session's standing in one statement, as standingOfTokens does for signed requests:
 * the live session (unknown, expired and revoked ones read as none) and, in the same snapshot,
 * the passkey policy, member_generation and, unless `standing` keeps the member under that
 * generation, their user, roles, custom-role permissions and passkeys; the profile too when
 * asked. `pubkey` is the key this process saw the session opened for before, if any: a session's
 * key never changes, so the kept member is the one to check the generation against.
 */
export async function standingOfSession(
  db: Queryable,
  tokenHash: string,
  now: Date,
  standing: MemberStanding,
  options: { pubkey?: string; withProfile?: boolean } = {},
): Promise<SessionStanding | null> {
  const keptGeneration = standing.keptGeneration;
  const kept = options.pubkey === undefined ? undefined : standing.kept(options.pubkey);
  const lookedUp = '(session.pubkey is distinct from $3::text or now_.generation is distinct from $4::text)';
  const [row] = await db.query<SessionRow>(
    `with session as (
       select id, pubkey from sessions where token_hash = $1 and revoked_at is null and expires_at > $2
     ), ${NOW_SQL}
     select session.id as session_id, session.pubkey as session_pubkey,
       now_.generation, now_.passkeys_required, ${lookedUp} as looked_up,
       m.user_id, m.roles, m.custom_permissions, m.has_passkey,
       ${profileSql('session.pubkey', '$5::boolean')}
     from now_
     left join session on true
     ${memberSql('session.pubkey', lookedUp)}`,
    [tokenHash, now, kept ? options.pubkey : null, keptGeneration, options.withProfile === true],
  );
  if (!row?.session_id || !row.session_pubkey) return null;
  return {
    sessionId: row.session_id,
    pubkey: row.session_pubkey,
    ...memberOf(row, row.session_pubkey, kept, standing),
  };
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
 * arriving while no statement is running is sent once the current turn of the event loop is over
 * (setImmediate: an idle server adds no delay worth the name), together with every other request
 * that reached this point in the same turn; those arriving while a statement runs wait for it and
 * go together in the next one. Under load that turns a round trip and a commit per request into
 * one per batch. Sending the first request at once instead split each group the signature worker
 * answers together (one message, many requests) into a statement of one and one of the rest.
 */
export class SignedRequestBatcher {
  private waiting: Waiting[] = [];
  private running = false;

  /** What this process keeps about members between their requests (see MemberStanding). */
  readonly members = new MemberStanding();

  constructor(private readonly db: Queryable) {}

  standing(token: VerifiedToken): Promise<TokenStanding> {
    return new Promise<TokenStanding>((resolve, reject) => {
      this.waiting.push({ token, resolve, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
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
            this.members,
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
