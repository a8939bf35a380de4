import { createHash, randomBytes } from 'node:crypto';
import type { ServerContext } from '../http/context.js';

const BOOTSTRAP_HOURS = 24;
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

async function adminExists(ctx: ServerContext): Promise<boolean> {
  const rows = await ctx.db.query(`select 1 from users where active and roles ? 'admin' limit 1`);
  return rows.length > 0;
}

/** Issues a new one-time bootstrap code (replacing unused ones) and returns the link that carries it. */
export async function issueBootstrapLink(ctx: ServerContext): Promise<string> {
  const token = randomBytes(24).toString('base64url');
  const now = ctx.now();
  await ctx.db.transaction(async (tx) => {
    await tx.query('delete from bootstrap_tokens where used_at is null');
    await tx.query('insert into bootstrap_tokens (token_hash, created_at, expires_at) values ($1, $2, $3)', [
      hash(token),
      now,
      new Date(now.getTime() + BOOTSTRAP_HOURS * 3600_000),
    ]);
  });
  // The code travels in the fragment, which browsers never send to servers or put in logs.
  return `${ctx.config.PUBLIC_URL}/bootstrap#${token}`;
}

/** On start: when no admin exists, print a fresh one-time link. */
export async function ensureBootstrap(ctx: ServerContext, print: (link: string) => void): Promise<void> {
  if (await adminExists(ctx)) return;
  print(await issueBootstrapLink(ctx));
}

export const hashBootstrapToken = hash;
