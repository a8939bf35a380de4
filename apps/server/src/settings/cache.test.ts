import { afterEach, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline } from '../../test/helpers.js';
import type { Queryable } from '../db/database.js';
import { cachedSettings, forgetSettings } from './cache.js';

/**
 * A caller inside a transaction (the queue round under its lock) must never wait for a shared
 * read that is still waiting for a pool connection: with every connection held by transactions
 * queued behind that lock, it would wait for ever. Here the shared read never finishes (a pool
 * with no connection to give), and the transaction's own read must still answer.
 */

const hotlines: TestHotline[] = [];
afterEach(async () => {
  for (const h of hotlines.splice(0)) await h.close();
});

const within = <T>(ms: number, p: Promise<T>) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)),
  ]);

describe('settings cache inside a transaction', () => {
  it('reads through the transaction instead of waiting for a shared read still in flight', async () => {
    const h = await createTestHotline();
    hotlines.push(h);
    const db = h.ctx.db;
    const realQuery = db.query.bind(db);
    // The transaction's own connection works; the pool has none free.
    const tx: Queryable = { query: realQuery, exec: db.exec.bind(db) };
    forgetSettings(h.ctx);
    db.query = (() => new Promise<never>(() => {})) as typeof db.query;
    try {
      const stuck = cachedSettings(h.ctx);
      const settings = await within(2000, cachedSettings(h.ctx, tx));
      expect(settings.calls).toBeDefined();
      void stuck;
    } finally {
      db.query = realQuery as typeof db.query;
    }
  });

  it('still shares a finished read with a transaction', async () => {
    const h = await createTestHotline();
    hotlines.push(h);
    const db = h.ctx.db;
    forgetSettings(h.ctx);
    const first = await cachedSettings(h.ctx);
    let statements = 0;
    const tx: Queryable = {
      query: ((...args: Parameters<typeof db.query>) => {
        statements += 1;
        return db.query(...args);
      }) as typeof db.query,
      exec: db.exec.bind(db),
    };
    expect(await cachedSettings(h.ctx, tx)).toBe(first);
    expect(statements).toBe(0);
  });
});
