import { randomBytes } from 'node:crypto';
import { deriveServerRequestKeySecret, fromHex } from '@llamenos/crypto';
import { z } from 'zod';
import type { Queryable } from '../db/database.js';

const SeedRow = z.object({ seed: z.string().regex(/^[0-9a-f]{64}$/) });

/**
 * The request-key secret (PROTOCOL.md §5.4, §16): derived from the server secret and 32 random
 * bytes kept in the database, made by the first process to start on it (the insert that loses a
 * race changes nothing, so every process reads the same row). The configuration alone, or the
 * database alone, mints no request key. A new seed (resetRequestKeySeed, `llamenos request-keys
 * reset`) refuses every key issued before, once every process has restarted (docs/OPERATIONS.md).
 */
export async function loadRequestKeySecret(db: Queryable, serverSecret: Uint8Array): Promise<Uint8Array> {
  await db.query('insert into auth_request_key_seed (id, seed) values (1, $1) on conflict (id) do nothing', [
    randomBytes(32).toString('hex'),
  ]);
  const rows = await db.query('select seed from auth_request_key_seed where id = 1');
  const row = SeedRow.safeParse(rows[0]);
  if (!row.success)
    throw new Error('auth_request_key_seed holds no valid seed (64 lowercase hex characters)');
  return deriveServerRequestKeySecret(serverSecret, fromHex(row.data.seed, 32));
}

/** Replaces the seed with a new random one: keys issued under the old one are refused from the next start on. */
export async function resetRequestKeySeed(db: Queryable): Promise<void> {
  await db.query(
    `insert into auth_request_key_seed (id, seed) values (1, $1)
     on conflict (id) do update set seed = excluded.seed`,
    [randomBytes(32).toString('hex')],
  );
}
