import { AUDIT_GENESIS_HASH, auditEntryHash, type CanonicalValue } from '@llamenos/crypto';
import type { Database, Queryable } from '../db/database.js';
import type { AuditActor } from '../domain/actor.js';
import { maskPhones } from '../logging.js';

/** What a caller records. Details must never hold content, secrets or full phone numbers. */
export interface AuditInput {
  action: string;
  actorPubkey?: string | null;
  target?: string | null;
  details?: Record<string, CanonicalValue>;
  ipHash?: string | null;
}

export interface AuditEntry {
  seq: number;
  createdAt: string;
  action: string;
  actorPubkey: string | null;
  target: string | null;
  details: Record<string, CanonicalValue>;
  ipHash: string | null;
  previousHash: string;
  hash: string;
}

/** Phone numbers are masked to their last four digits even if a caller forgets. */
function scrub(value: CanonicalValue): CanonicalValue {
  if (typeof value === 'string') return maskPhones(value);
  if (Array.isArray(value)) return value.map(scrub);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v)]));
  return value;
}

/** The exact object whose canonical JSON is hashed into the chain (docs/PROTOCOL.md, audit chain). */
const hashedFields = (e: Omit<AuditEntry, 'previousHash' | 'hash'>): CanonicalValue => ({
  seq: e.seq,
  createdAt: e.createdAt,
  action: e.action,
  actorPubkey: e.actorPubkey,
  target: e.target,
  details: e.details,
  ipHash: e.ipHash,
});

/**
 * The chain head as this process last moved it: the guess a busy appender (the call path, three
 * entries a call) makes so that an entry costs one statement instead of two. Only a guess: the
 * append checks it against the locked head in the same statement and, when another process or
 * transaction moved the head meanwhile (or the transaction that moved it rolled back), appends
 * as without it. So a wrong guess costs what the plain append costs, never a fork.
 */
export interface AuditHeadCache {
  kept: { seq: number; hash: string } | null;
  /** Guesses withdrawn (withdrawGuessedAppend), each with the guess it was made on. */
  withdrawn?: WeakMap<object, { seq: number; hash: string } | null>;
}

export const emptyAuditHeadCache = (): AuditHeadCache => ({ kept: null });

/** The entry `input` becomes at `seq`: phone numbers in its target and details masked. */
const entryOf = (input: AuditInput, seq: number, now: Date) => ({
  seq,
  createdAt: now.toISOString(),
  action: input.action,
  actorPubkey: input.actorPubkey ?? null,
  target: input.target ? maskPhones(input.target) : null,
  details: scrub(input.details ?? {}) as Record<string, CanonicalValue>,
  ipHash: input.ipHash ?? null,
});

/**
 * Appends inside the caller's transaction, so an action and its audit entry commit together or
 * not at all. Two statements: the head read and locked (the hash needs the previous one), then
 * the entry inserted and the head moved together. With `head` (AuditHeadCache) and a right
 * guess, one: the head locked, compared with the guess, the entry inserted and the head moved.
 */
export async function appendAuditInTx(
  tx: Queryable,
  input: AuditInput,
  now: Date,
  head?: AuditHeadCache,
): Promise<AuditEntry> {
  const entryAt = (seq: number) => entryOf(input, seq, now);
  const params = (entry: ReturnType<typeof entryAt>, previousHash: string, hash: string) => [
    entry.seq,
    now,
    entry.action,
    entry.actorPubkey,
    entry.target,
    JSON.stringify(entry.details),
    entry.ipHash,
    previousHash,
    hash,
  ];
  let current: { seq: number; hash: string } | undefined;
  const guess = head?.kept;
  if (guess) {
    const entry = entryAt(guess.seq + 1);
    const hash = auditEntryHash(guess.hash, hashedFields(entry));
    // Kept before the statement returns: an append of this process that starts meanwhile waits
    // for this one's lock on the head anyway, and then finds this entry there (a wrong guess,
    // this transaction rolled back, appends as before).
    head.kept = { seq: entry.seq, hash };
    // The head locked and compared with the guess; the entry inserted and the head moved only
    // when it matches. The head is returned either way, locked for the rest of the transaction.
    const [row] = await tx.query<{ seq: number; hash: string; appended: boolean }>(
      `with head as (select seq, hash from audit_chain_head where id = 1 for update),
       entry as (
         insert into audit_log (seq, created_at, action, actor_pubkey, target, details, ip_hash, previous_hash, hash)
         select $1::bigint, $2::timestamptz, $3::text, $4::text, $5::text, $6::jsonb, $7::text, $8::text, $9::text
           from head where head.seq = $1::bigint - 1 and head.hash = $8::text
         returning seq, hash),
       moved as (update audit_chain_head h set seq = entry.seq, hash = entry.hash from entry where h.id = 1)
       select head.seq, head.hash, exists (select 1 from entry) as appended from head`,
      params(entry, guess.hash, hash),
    );
    if (!row) throw new Error('audit chain head missing: migrations not applied');
    if (row.appended) {
      head.kept = { seq: entry.seq, hash };
      return { ...entry, previousHash: guess.hash, hash };
    }
    current = { seq: Number(row.seq), hash: row.hash };
  } else {
    const [row] = await tx.query<{ seq: number; hash: string }>(
      'select seq, hash from audit_chain_head where id = 1 for update',
    );
    if (!row) throw new Error('audit chain head missing: migrations not applied');
    current = { seq: Number(row.seq), hash: row.hash };
  }
  const entry = entryAt(current.seq + 1);
  const hash = auditEntryHash(current.hash, hashedFields(entry));
  // The entry and the head move in one statement: the head row is already locked above, so no
  // other append can read it between the two, and the chain cannot fork.
  await tx.query(
    `with entry as (
       insert into audit_log (seq, created_at, action, actor_pubkey, target, details, ip_hash, previous_hash, hash)
       values ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9) returning seq, hash)
     update audit_chain_head h set seq = entry.seq, hash = entry.hash from entry where h.id = 1`,
    params(entry, current.hash, hash),
  );
  if (head) head.kept = { seq: entry.seq, hash };
  return { ...entry, previousHash: current.hash, hash };
}

/**
 * Entries appended on the kept head's guess inside another statement of the caller's
 * transaction, so they cost no statement of their own (the call path: a queue round's entries
 * ride its legs' insert). `withSql` is WITH parts (audit_head, audit_entries, audit_moved) that
 * lock the head and insert the entries, chained from the guess, and move the head only when the
 * head is the one guessed; `selectSql` is columns for the statement's select list (audit_seq,
 * audit_hash, audit_appended). Hand the row to finishGuessedAppend. With no guess kept, null:
 * append with appendAuditInTx after the statement.
 */
export function guessedAppendParts(
  inputs: readonly AuditInput[],
  now: Date,
  head: AuditHeadCache,
  param: (value: unknown) => string,
  /**
   * A condition over the statement's other parts, evaluated before the head is locked: naming
   * its row-locking parts there makes them lock first, in the order a separate append after
   * them would (the head last), so the statement cannot deadlock with a transaction that locks
   * those rows and then appends.
   */
  lockAfter?: string,
): { withSql: string; selectSql: string; guess: { seq: number; hash: string } } | null {
  const guess = head.kept;
  if (!guess || !inputs.length) return null;
  const entries: AuditEntry[] = [];
  let previous = guess;
  for (const input of inputs) {
    const entry = entryOf(input, previous.seq + 1, now);
    const hash = auditEntryHash(previous.hash, hashedFields(entry));
    entries.push({ ...entry, previousHash: previous.hash, hash });
    previous = { seq: entry.seq, hash };
  }
  // Kept before the statement returns, as appendAuditInTx does.
  head.kept = previous;
  // One array parameter per column, unnested into the entries' rows in this order.
  const columns: [type: string, pick: (e: AuditEntry) => unknown][] = [
    ['bigint', (e) => e.seq],
    ['text', (e) => e.action],
    ['text', (e) => e.actorPubkey],
    ['text', (e) => e.target],
    ['text', (e) => JSON.stringify(e.details)],
    ['text', (e) => e.ipHash],
    ['text', (e) => e.previousHash],
    ['text', (e) => e.hash],
  ];
  const arrays = columns.map(([type, pick]) => `${param(entries.map(pick))}::${type}[]`).join(', ');
  const withSql = `audit_head as (
       select seq, hash from audit_chain_head where id = 1${lockAfter ? ` and ${lockAfter}` : ''} for update),
     audit_entries as (
       insert into audit_log (seq, created_at, action, actor_pubkey, target, details, ip_hash, previous_hash, hash)
       select e.seq, ${param(now)}::timestamptz, e.action, e.actor_pubkey, e.target, e.details::jsonb, e.ip_hash,
              e.previous_hash, e.hash
         from unnest(${arrays})
           as e(seq, action, actor_pubkey, target, details, ip_hash, previous_hash, hash)
        where exists (select 1 from audit_head where seq = ${param(guess.seq)}::bigint and hash = ${param(guess.hash)}::text)
       returning seq),
     audit_moved as (
       update audit_chain_head h set seq = ${param(previous.seq)}::bigint, hash = ${param(previous.hash)}::text
        where h.id = 1 and exists (select 1 from audit_entries))`;
  const selectSql = `(select seq from audit_head) as audit_seq, (select hash from audit_head) as audit_hash,
       exists (select 1 from audit_entries) as audit_appended`;
  return { withSql, selectSql, guess: previous };
}

/** The columns guessedAppendParts' `selectSql` adds to a statement's row. */
export interface GuessedAppendColumns {
  audit_seq?: number | string | null;
  audit_hash?: string | null;
  audit_appended?: boolean;
}

/**
 * After the statement that carried guessedAppendParts: nothing more when the guess was right;
 * otherwise (another process or transaction moved the head) the entries are appended now from
 * the head the statement locked and read, one statement each, as appendAuditInTx appends.
 */
export async function finishGuessedAppend(
  tx: Queryable,
  inputs: readonly AuditInput[],
  now: Date,
  head: AuditHeadCache,
  row:
    | { audit_seq?: number | string | null; audit_hash?: string | null; audit_appended?: boolean }
    | undefined,
): Promise<void> {
  if (row?.audit_appended) return;
  if (row?.audit_hash == null || row.audit_seq == null)
    throw new Error('audit chain head missing: migrations not applied');
  head.kept = { seq: Number(row.audit_seq), hash: row.audit_hash };
  for (const input of inputs) await appendAuditInTx(tx, input, now, head);
}

/**
 * After a statement whose guessedAppendParts appended nothing because their `lockAfter` was
 * false (the act they audit did not happen, or not as guessed; the head was not locked): the
 * kept guess goes back to `before` (head.kept when the parts were made), unless another append
 * of this process has moved it since (that one then finds the head moved and appends as without
 * a guess). Without it every act that did not happen would leave the next append a wrong guess.
 */
export function withdrawGuessedAppend(
  head: AuditHeadCache,
  before: AuditHeadCache['kept'],
  parts: { guess: { seq: number; hash: string } },
): void {
  // A guess made on one withdrawn already (two acts in flight, both not done) goes back past it.
  head.withdrawn ??= new WeakMap();
  let target = before;
  while (target && head.withdrawn.has(target)) target = head.withdrawn.get(target) ?? null;
  head.withdrawn.set(parts.guess, target);
  if (head.kept === parts.guess) head.kept = target;
}

/**
 * What `actor` did to `target`, appended in the caller's transaction like appendAuditInTx: the
 * entry every admin or member action writes (their pubkey and hashed address, never content).
 */
export const auditActionInTx = (
  tx: Queryable,
  actor: AuditActor,
  now: Date,
  entry: { action: string; target: string; details?: Record<string, CanonicalValue> },
): Promise<AuditEntry> =>
  appendAuditInTx(tx, { ...entry, actorPubkey: actor.pubkey, ipHash: actor.ipHash }, now);

/**
 * Several entries appended inside the caller's transaction in two statements whatever their
 * number (the head read and locked, then every entry inserted and the head moved), each with its
 * own time, chained in the order given: for work that audits many acts at once (conversations:
 * first contacts placed together). One entry is appendAuditInTx.
 */
export async function appendAuditEntriesInTx(
  tx: Queryable,
  entries: readonly { input: AuditInput; now: Date }[],
  head?: AuditHeadCache,
): Promise<AuditEntry[]> {
  if (entries.length <= 1)
    return Promise.all(entries.map(({ input, now }) => appendAuditInTx(tx, input, now, head)));
  const [row] = await tx.query<{ seq: number; hash: string }>(
    'select seq, hash from audit_chain_head where id = 1 for update',
  );
  if (!row) throw new Error('audit chain head missing: migrations not applied');
  let previous = { seq: Number(row.seq), hash: row.hash };
  const appended: AuditEntry[] = [];
  for (const { input, now } of entries) {
    const entry = entryOf(input, previous.seq + 1, now);
    const hash = auditEntryHash(previous.hash, hashedFields(entry));
    appended.push({ ...entry, previousHash: previous.hash, hash });
    previous = { seq: entry.seq, hash };
  }
  const column = <K extends keyof AuditEntry>(key: K) => appended.map((e) => e[key]);
  await tx.query(
    `with entry as (
       insert into audit_log (seq, created_at, action, actor_pubkey, target, details, ip_hash, previous_hash, hash)
       select * from unnest($1::bigint[], $2::text[]::timestamptz[], $3::text[], $4::text[], $5::text[],
                            $6::text[]::jsonb[], $7::text[], $8::text[], $9::text[])
       returning seq)
     update audit_chain_head h set seq = $10, hash = $11
      where h.id = 1 and (select count(*) from entry) = cardinality($1::bigint[])`,
    [
      column('seq'),
      column('createdAt'),
      column('action'),
      column('actorPubkey'),
      column('target'),
      appended.map((e) => JSON.stringify(e.details)),
      column('ipHash'),
      column('previousHash'),
      column('hash'),
      previous.seq,
      previous.hash,
    ],
  );
  if (head) head.kept = previous;
  return appended;
}

/** Appends in its own transaction. */
export const appendAudit = (db: Database, input: AuditInput, now: Date): Promise<AuditEntry> =>
  db.transaction((tx) => appendAuditInTx(tx, input, now));

interface AuditRow {
  seq: number;
  created_at: Date;
  action: string;
  actor_pubkey: string | null;
  target: string | null;
  details: Record<string, CanonicalValue>;
  ip_hash: string | null;
  previous_hash: string;
  hash: string;
}

const fromRow = (r: AuditRow): AuditEntry => ({
  seq: Number(r.seq),
  createdAt: new Date(r.created_at).toISOString(),
  action: r.action,
  actorPubkey: r.actor_pubkey,
  target: r.target,
  details: r.details,
  ipHash: r.ip_hash,
  previousHash: r.previous_hash,
  hash: r.hash,
});

interface AuditFilter {
  action?: string;
  actorPubkey?: string;
  since?: Date;
  until?: Date;
  /** Entries with seq below this (paging backwards from the newest). */
  beforeSeq?: number;
  limit: number;
}

/** Newest first, filtered, paged by sequence number. */
export async function listAudit(db: Queryable, f: AuditFilter): Promise<AuditEntry[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replace('?', `$${params.length}`));
  };
  if (f.action)
    add(
      f.action.endsWith('*') ? "action like ? escape '\\'" : 'action = ?',
      // `_` and `%` in a prefix are literal characters, not LIKE wildcards.
      f.action.endsWith('*') ? `${f.action.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%` : f.action,
    );
  if (f.actorPubkey) add('actor_pubkey = ?', f.actorPubkey);
  if (f.since) add('created_at >= ?', f.since);
  if (f.until) add('created_at < ?', f.until);
  if (f.beforeSeq) add('seq < ?', f.beforeSeq);
  params.push(f.limit);
  const rows = await db.query<AuditRow>(
    `select * from audit_log ${where.length ? `where ${where.join(' and ')}` : ''} order by seq desc limit $${params.length}`,
    params,
  );
  return rows.map(fromRow);
}

export type AuditVerdict =
  | { ok: true; count: number; headHash: string }
  | { ok: false; count: number; brokenAt: number; reason: string };

/** Walks the whole chain in pages and reports the first entry whose link, hash or sequence is wrong. */
export async function verifyAuditLog(db: Queryable, pageSize = 1000): Promise<AuditVerdict> {
  let previous = AUDIT_GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for (;;) {
    const rows = (
      await db.query<AuditRow>('select * from audit_log where seq >= $1 order by seq limit $2', [
        expectedSeq,
        pageSize,
      ])
    ).map(fromRow);
    for (const e of rows) {
      if (e.seq !== expectedSeq)
        return { ok: false, count, brokenAt: expectedSeq, reason: `entry ${expectedSeq} is missing` };
      if (e.previousHash !== previous)
        return { ok: false, count, brokenAt: e.seq, reason: 'link to the previous entry is broken' };
      if (auditEntryHash(previous, hashedFields(e)) !== e.hash) {
        return { ok: false, count, brokenAt: e.seq, reason: 'entry was altered (hash mismatch)' };
      }
      previous = e.hash;
      expectedSeq++;
      count++;
    }
    if (rows.length < pageSize) break;
  }
  const [head] = await db.query<{ seq: number; hash: string }>(
    'select seq, hash from audit_chain_head where id = 1',
  );
  if (!head || Number(head.seq) !== count || head.hash !== previous) {
    return {
      ok: false,
      count,
      brokenAt: count + 1,
      reason: 'chain head does not match the last entry (entries removed?)',
    };
  }
  return { ok: true, count, headHash: previous };
}
