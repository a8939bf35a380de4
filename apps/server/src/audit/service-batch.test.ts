import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline } from '../../test/helpers.js';
import { recordingStatements } from '../../test/statement-log.js';
import {
  appendAuditEntriesInTx,
  appendAuditInTx,
  emptyAuditHeadCache,
  listAudit,
  verifyAuditLog,
} from './service.js';

/** Several entries at once (conversations: first contacts placed together) chain like one by one. */
describe('appendAuditEntriesInTx', () => {
  let h: TestHotline;
  beforeAll(async () => {
    h = await createTestHotline();
  });
  afterAll(() => h?.close());

  it('appends in two statements, each entry at its own time and in order, phones masked; the chain verifies and the next guessed append is one statement', async () => {
    const head = emptyAuditHeadCache();
    await h.ctx.db.transaction((tx) => appendAuditInTx(tx, { action: 'test.before' }, new Date(), head));
    const statements: string[] = [];
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 5, 12, 0, 0, ms));
    const appended = await h.ctx.db.transaction((tx) =>
      appendAuditEntriesInTx(
        recordingStatements(tx, (line) => statements.push(line)),
        [
          { input: { action: 'test.batch', target: 'contact +15551234567' }, now: at(1) },
          { input: { action: 'test.batch', details: { n: 2 } }, now: at(2) },
          { input: { action: 'test.batch', actorPubkey: 'ab'.repeat(32), ipHash: 'ip' }, now: at(3) },
        ],
        head,
      ),
    );
    expect(statements).toHaveLength(2);
    expect(appended.map((e) => e.seq)).toEqual([1, 2, 3].map((i) => appended[0]!.seq + i - 1));
    expect(appended[1]!.previousHash).toBe(appended[0]!.hash);
    expect(head.kept).toEqual({ seq: appended[2]!.seq, hash: appended[2]!.hash });
    const stored = (await listAudit(h.ctx.db, { action: 'test.batch', limit: 10 })).reverse();
    expect(stored.map((e) => e.createdAt)).toEqual([1, 2, 3].map((ms) => at(ms).toISOString()));
    expect(stored[0]!.target).toBe('contact …4567');
    expect(stored.map((e) => e.hash)).toEqual(appended.map((e) => e.hash));
    // The head moved with them: the next append with the guess is one statement.
    statements.length = 0;
    await h.ctx.db.transaction((tx) =>
      appendAuditInTx(
        recordingStatements(tx, (line) => statements.push(line)),
        { action: 'test.after' },
        new Date(),
        head,
      ),
    );
    expect(statements).toHaveLength(1);
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
    // None or one: nothing, or the plain append.
    expect(await h.ctx.db.transaction((tx) => appendAuditEntriesInTx(tx, [], head))).toEqual([]);
  });
});
