import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { type AuditHeadCache, appendAudit, emptyAuditHeadCache, verifyAuditLog } from '../audit/service.js';
import type { Database } from '../db/database.js';
import { updateProfile } from './users.js';

/**
 * A profile edit (PATCH /api/me, a member's most frequent write) is one statement on the kept
 * audit head's guess, and the transaction it was before whenever the guess cannot hold.
 */
describe('profile edits and the audit chain', () => {
  let h: TestHotline;
  let vol: TestUser;
  const actorOf = (u: TestUser) => ({ userId: u.id, pubkey: u.pubkey, permissions: [], ipHash: 'ip-hash' });

  beforeAll(async () => {
    h = await createTestHotline();
    vol = await h.addUser(['volunteer'], 'Editor');
  });
  afterAll(() => h.close());

  /** The database, counting the statements and transactions a call makes through it. */
  const counting = (db: Database) => {
    const seen = { statements: 0, transactions: 0 };
    const counted: Database = {
      ...db,
      query: ((...args: Parameters<Database['query']>) => {
        seen.statements++;
        return db.query(...args);
      }) as Database['query'],
      transaction: ((fn: Parameters<Database['transaction']>[0]) => {
        seen.transactions++;
        return db.transaction(fn);
      }) as Database['transaction'],
    };
    return { db: counted, seen };
  };
  const profileEntries = async () =>
    h.ctx.db.query<{ seq: number; details: { fields: string[] } }>(
      `select seq, details from audit_log where action = 'identity.profile-updated' and target = $1 order by seq`,
      [`user:${vol.id}`],
    );
  const head = async () =>
    (
      await h.ctx.db.query<{ seq: number; hash: string }>(
        'select seq, hash from audit_chain_head where id = 1',
      )
    ).map((r) => ({ seq: Number(r.seq), hash: r.hash }))[0];

  it('is one statement on a right guess, the edit and its entry made together', async () => {
    const cache: AuditHeadCache = emptyAuditHeadCache();
    // No guess yet: the transaction, which leaves the head it moved as the next guess.
    await updateProfile(h.ctx.db, vol.id, { onBreak: true }, actorOf(vol), h.ctx.now(), cache);
    expect(cache.kept).toEqual(await head());

    const { db, seen } = counting(h.ctx.db);
    const before = (await profileEntries()).length;
    const profile = await updateProfile(
      db,
      vol.id,
      { displayName: 'Edited', onBreak: false },
      actorOf(vol),
      h.ctx.now(),
      cache,
    );
    expect(seen).toEqual({ statements: 1, transactions: 0 });
    expect(profile).toMatchObject({
      id: vol.id,
      displayName: 'Edited',
      onBreak: false,
      roles: ['volunteer'],
    });
    const entries = await profileEntries();
    expect(entries).toHaveLength(before + 1);
    expect(entries.at(-1)!.details).toEqual({ fields: ['displayName', 'onBreak'] });
    expect(cache.kept).toEqual(await head());
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
  });

  it('writes nothing on a wrong guess and guesses again from the head it read, without a transaction', async () => {
    const cache: AuditHeadCache = emptyAuditHeadCache();
    await updateProfile(h.ctx.db, vol.id, { languages: ['es'] }, actorOf(vol), h.ctx.now(), cache);
    // Another process moves the head: this one's guess is now wrong.
    await appendAudit(h.ctx.db, { action: 'test.elsewhere' }, h.ctx.now());

    const { db, seen } = counting(h.ctx.db);
    const before = (await profileEntries()).length;
    const profile = await updateProfile(db, vol.id, { languages: ['fr'] }, actorOf(vol), h.ctx.now(), cache);
    // The wrong guess and the right one: no transaction holding the head's lock across round trips.
    expect(seen).toEqual({ statements: 2, transactions: 0 });
    expect(profile.languages).toEqual(['fr']);
    // One entry for the edit, not one per attempt, and the chain still whole.
    expect(await profileEntries()).toHaveLength(before + 1);
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
    expect(cache.kept).toEqual(await head());
  });

  it('makes the edit in a transaction when the head moves under every guess', async () => {
    const cache: AuditHeadCache = emptyAuditHeadCache();
    await updateProfile(h.ctx.db, vol.id, { languages: ['es'] }, actorOf(vol), h.ctx.now(), cache);
    const { db, seen } = counting(h.ctx.db);
    // Another process appends just before each of this one's guesses reaches the database.
    const busy: Database = {
      ...db,
      query: (async (...args: Parameters<Database['query']>) => {
        if (args[0].includes('audit_head'))
          await appendAudit(h.ctx.db, { action: 'test.elsewhere' }, h.ctx.now());
        return db.query(...args);
      }) as Database['query'],
    };
    const before = (await profileEntries()).length;
    const profile = await updateProfile(
      busy,
      vol.id,
      { languages: ['de'] },
      actorOf(vol),
      h.ctx.now(),
      cache,
    );
    expect(seen).toEqual({ statements: 3, transactions: 1 });
    expect(profile.languages).toEqual(['de']);
    expect(await profileEntries()).toHaveLength(before + 1);
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
    expect(cache.kept).toEqual(await head());
  });

  it('refuses an unknown member, writes nothing, and takes its guess back', async () => {
    const cache: AuditHeadCache = emptyAuditHeadCache();
    await updateProfile(h.ctx.db, vol.id, { onBreak: true }, actorOf(vol), h.ctx.now(), cache);
    const kept = cache.kept;
    const headBefore = await head();
    await expect(
      updateProfile(h.ctx.db, 'no-such-user', { onBreak: true }, actorOf(vol), h.ctx.now(), cache),
    ).rejects.toMatchObject({ kind: 'not-found' });
    expect(await head()).toEqual(headBefore);
    expect(cache.kept).toEqual(kept);

    // The guess still holds: the next edit is one statement again.
    const { db, seen } = counting(h.ctx.db);
    await updateProfile(db, vol.id, { onBreak: false }, actorOf(vol), h.ctx.now(), cache);
    expect(seen).toEqual({ statements: 1, transactions: 0 });
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
  });
});
