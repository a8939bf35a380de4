import { generateSecretKey, getPublicKey } from '@llamenos/crypto';
import { expect, it } from 'vitest';
import { insertUser } from '../src/identity/users.js';
import { createLogger } from '../src/logging.js';
import { startServer } from '../src/server.js';
import { freePort } from './cli-process.js';
import { loopbackConfig, openTestDatabase } from './helpers.js';

/**
 * A process makes its readers' sealing tables (about 40 ms of one core each) before it listens:
 * made in the background after it listened, they held the first webhooks of a second process
 * started into a call storm 0.4–0.6 s (bench: calls-2proc-postgres, inbound p99 390 ms).
 */
it('listens only once every reader table is made and the hub key exists', async () => {
  const { db, drop } = await openTestDatabase();
  const port = await freePort();
  const config = loopbackConfig(port);
  const readers = [getPublicKey(generateSecretKey()), getPublicKey(generateSecretKey())];
  // Two existing members who read texts; the second process of a hotline starts with them.
  const settingsKey = new Uint8Array(32);
  for (const [i, pubkey] of readers.entries())
    await insertUser(
      db,
      settingsKey,
      { pubkey, displayName: `m${i}`, roles: [i ? 'volunteer' : 'admin'] },
      new Date(),
    );
  const server = await startServer(config, createLogger('silent'), { db });
  try {
    // prepare() is true when it had to build the table now.
    expect(readers.map((r) => server.ctx.conversations.agreement.prepare(r))).toEqual([false, false]);
    expect(server.ctx.conversations.readerTables.pending).toBeNull();
    const [hubKey] = await db.query('select 1 from hub_keys');
    expect(hubKey).toBeDefined();
  } finally {
    await server.close();
    await drop();
  }
}, 60_000);
