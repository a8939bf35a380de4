import { createHash, randomBytes } from 'node:crypto';
import { CryptoError, LABEL_SERVER_FIELD } from '@llamenos/crypto';
import type { Queryable } from '../db/database.js';
import type { ServerContext } from '../http/context.js';
import { openAtRest, sealAtRest } from '../secrets/at-rest.js';
import { countActiveAdmins, lockAdminSet } from './service.js';

const BOOTSTRAP_HOURS = 24;
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The code is stored twice: hashed (what redemption looks up) and sealed under the server
 * settings key, bound to its row, so that every process sharing SERVER_SECRET can print the same
 * link while a database reader alone cannot use it.
 */
const sealedTokenId = (tokenHash: string) => `bootstrap_tokens/${tokenHash}/token`;

// The code travels in the fragment, which browsers never send to servers or put in logs.
const linkOf = (ctx: ServerContext, token: string) => `${ctx.config.PUBLIC_URL}/bootstrap#${token}`;

async function insertToken(ctx: ServerContext, tx: Queryable): Promise<string> {
  const token = randomBytes(24).toString('base64url');
  const now = ctx.now();
  const tokenHash = hash(token);
  await tx.query('delete from bootstrap_tokens where used_at is null');
  await tx.query(
    'insert into bootstrap_tokens (token_hash, token_sealed, created_at, expires_at) values ($1, $2, $3, $4)',
    [
      tokenHash,
      sealAtRest(ctx.keys.settingsKey, LABEL_SERVER_FIELD, sealedTokenId(tokenHash), token),
      now,
      new Date(now.getTime() + BOOTSTRAP_HOURS * 3600_000),
    ],
  );
  return token;
}

/** Issues a new one-time bootstrap code (replacing unused ones) and returns the link that carries it. */
export async function issueBootstrapLink(ctx: ServerContext): Promise<string> {
  const token = await ctx.db.transaction(async (tx) => {
    await lockAdminSet(tx);
    return insertToken(ctx, tx);
  });
  return linkOf(ctx, token);
}

/** What a starting process prints: the link, or (when it cannot read the stored one) when it was printed. */
export type BootstrapNotice = { link: string } | { printedElsewhereAt: Date };

/**
 * On start, when no admin exists: the one valid link. Several processes starting together on an
 * empty database take the admin-set lock in turn; the first inserts the code and the others find
 * it and print the same link (before, each replaced the last one's code, so only the link printed
 * last worked). A restart prints the same link until it expires or is used.
 */
export async function currentBootstrapNotice(ctx: ServerContext): Promise<BootstrapNotice | null> {
  return ctx.db.transaction(async (tx) => {
    await lockAdminSet(tx);
    if ((await countActiveAdmins(tx)) > 0) return null;
    const [held] = await tx.query<{ token_hash: string; token_sealed: string | null; created_at: Date }>(
      `select token_hash, token_sealed, created_at from bootstrap_tokens
        where used_at is null and expires_at > $1 order by created_at desc limit 1`,
      [ctx.now()],
    );
    if (held?.token_sealed) {
      try {
        const token = openAtRest(
          ctx.keys.settingsKey,
          LABEL_SERVER_FIELD,
          sealedTokenId(held.token_hash),
          held.token_sealed,
        );
        return { link: linkOf(ctx, token) };
      } catch (error) {
        // Sealed under another SERVER_SECRET: a misconfigured sibling printed it; say so rather than
        // silently replacing the link that sibling's operator may already be using.
        if (!(error instanceof CryptoError)) throw error;
        return { printedElsewhereAt: new Date(held.created_at) };
      }
    }
    return { link: linkOf(ctx, await insertToken(ctx, tx)) };
  });
}

/** On start: when no admin exists, print the one valid link (the same in every process). */
export async function ensureBootstrap(
  ctx: ServerContext,
  print: (notice: BootstrapNotice) => void,
): Promise<void> {
  const notice = await currentBootstrapNotice(ctx);
  if (notice) print(notice);
}

export const hashBootstrapToken = hash;

/** The block a starting server prints to its log (stdout) while no admin exists. */
export function bootstrapBanner(notice: BootstrapNotice, database: 'pglite' | 'postgres'): string {
  const line = '='.repeat(72);
  const body =
    'link' in notice
      ? `No admin exists yet. Open this one-time link to create the first admin:\n\n  ${notice.link}\n\nIt works once and expires 24 hours after it was first printed; every server process prints this same link. For a new one: \`node apps/server/dist/cli.js bootstrap\`${database === 'pglite' ? ' with the server stopped' : ''}.`
      : `No admin exists yet. A one-time first-admin link was printed at ${notice.printedElsewhereAt.toISOString()} by another server process on this database, which this process cannot read: check that every process has the same SERVER_SECRET, and use that process's link (or \`node apps/server/dist/cli.js bootstrap\` for a new one).`;
  return `\n${line}\n${body}\n${line}\n\n`;
}
