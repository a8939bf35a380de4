import { cachedAgreement, generateSecretKey, getPublicKey } from '@llamenos/crypto';
import { describe, expect, it } from 'vitest';
import { READER_TABLES, readerTables, tableReaders } from './reader-tables.js';
import type { MemberWithGrants } from './store.js';

const member = (roles: string[], custom: Record<string, string[]> = {}): MemberWithGrants => ({
  id: crypto.randomUUID(),
  pubkey: getPublicKey(generateSecretKey()),
  roles,
  custom,
});

describe('reader tables (the sealer ECDH tables made ahead of the wraps)', () => {
  it('readers are the admins first, then those who may hold conversations; nobody else; at most READER_TABLES', () => {
    const volunteer = member(['volunteer']);
    const admin = member(['admin']);
    const reporter = member(['reporter']);
    expect(tableReaders([volunteer, reporter, admin])).toEqual([admin.pubkey, volunteer.pubkey]);
    const many = Array.from({ length: READER_TABLES + 3 }, () => member(['volunteer']));
    const lastAdmin = member(['admin']);
    const readers = tableReaders([...many, lastAdmin]);
    expect(readers).toHaveLength(READER_TABLES);
    expect(readers[0]).toBe(lastAdmin.pubkey);
  });

  it('warm makes every reader table (the next prepare finds it kept); seen makes only for changed members, in the background', async () => {
    const made: string[] = [];
    const agreement = cachedAgreement(READER_TABLES, undefined, undefined, 4);
    const tables = readerTables(
      {
        prepare: (key) => {
          const built = agreement.prepare(key);
          if (built) made.push(key);
          return built;
        },
      },
      (error) => {
        throw error;
      },
    );
    const members = [member(['admin']), member(['volunteer'])];
    await tables.warm(members);
    expect(made).toEqual(tableReaders(members));
    expect(agreement.prepare(members[0]!.pubkey)).toBe(false);

    // The same members again: not even a turn of the event loop.
    tables.seen(members);
    expect(tables.pending).toBeNull();
    // A volunteer becomes an admin, a new volunteer joins: their tables are made, the others kept.
    const newcomer = member(['volunteer']);
    const promoted = { ...members[1]!, roles: ['admin'] };
    made.length = 0;
    tables.seen([members[0]!, promoted, newcomer]);
    expect(made).toEqual([]); // not in the caller's turn
    await tables.pending;
    expect(made).toEqual([newcomer.pubkey]);
  });

  it('a reader whose key is not on the curve is reported and the others are still made', async () => {
    const errors: unknown[] = [];
    const agreement = cachedAgreement(READER_TABLES, undefined, undefined, 4);
    const tables = readerTables(agreement, (error) => errors.push(error));
    const good = member(['admin']);
    const bad = { ...member(['admin']), pubkey: `${'00'.repeat(31)}05` };
    await tables.warm([bad, good]);
    expect(errors).toHaveLength(1);
    expect(agreement.prepare(good.pubkey)).toBe(false);
  });
});
