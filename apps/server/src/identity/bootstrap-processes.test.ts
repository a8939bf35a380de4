import { randomBytes } from 'node:crypto';
import { createAuthHeader, generateSecretKey } from '@llamenos/crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/cli-process.js';
import { openTestDatabase, TEST_PG_URL } from '../../test/helpers.js';
import { type ServeProcess, startServeProcess } from '../../test/serve-process.js';

/**
 * Two `llamenos serve` processes started together on one empty PostgreSQL database, behind one
 * PUBLIC_URL: both print the same first-admin link, and it works (through either process).
 * Before, each replaced the other's code and the link printed first answered 404.
 */
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

const LINK = /No admin exists yet[^\n]*\n\n {2}(\S+\/bootstrap#(\S+))\n/;

describe.skipIf(!TEST_PG_URL)('first-admin link with several processes on one database', () => {
  it('prints one valid link, the same in every process', async () => {
    const { db, url, drop } = await openTestDatabase();
    await db.close();
    cleanup.push(drop);
    const secret = randomBytes(32).toString('hex');
    const [portA, portB] = [await freePort(), await freePort()];
    const publicUrl = `http://127.0.0.1:${portA}`;
    const servers: ServeProcess[] = await Promise.all(
      [portA, portB].map((port) => startServeProcess({ databaseUrl: url!, port, secret, publicUrl })),
    );
    for (const s of servers) cleanup.push(() => s.stop());
    const [a, b] = await Promise.all(servers.map((s) => s.waitFor(LINK, 60_000)));
    expect(a![1]).toBe(b![1]);
    expect(a![1]!.startsWith(`${publicUrl}/bootstrap#`)).toBe(true);

    // Redeemed through the process that did not necessarily create it: signed for PUBLIC_URL.
    const body = JSON.stringify({ token: a![2], displayName: 'First admin' });
    const res = await fetch(`http://127.0.0.1:${portB}/api/bootstrap`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: createAuthHeader(
          { url: `${publicUrl}/api/bootstrap`, method: 'POST', body },
          generateSecretKey(),
        ),
      },
      body,
    });
    expect(res.status).toBe(201);
  }, 90_000);
});
