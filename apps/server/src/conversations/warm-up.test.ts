import { randomUUID } from 'node:crypto';
import { generateSecretKey, getPublicKey, openAsReader, PURPOSES } from '@llamenos/crypto';
import { type MessagePayload, messageRecordId } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline } from '../../test/helpers.js';
import { recordingStatements } from '../../test/statement-log.js';
import { ensureHubKey } from '../realtime/hub-keys.js';
import { publishHubEvent } from '../realtime/publish.js';
import { READER_TABLES } from './reader-tables.js';
import { startSealPool } from './seal-pool.js';
import { WARM_UP_ROUNDS, warmInboundPath } from './warm-up.js';

/** Rows of every table an arriving text writes (and the hub keys): a warm-up must leave them as they were. */
const TABLES = [
  'conversations',
  'conversation_messages',
  'conversation_wraps',
  'attachments',
  'audit_log',
  'rate_limits',
  'hub_keys',
  'hub_key_wraps',
];

async function rowCounts(h: TestHotline): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const [row] = await h.ctx.db.query<{ n: number }>(`select count(*)::int as n from ${table}`);
    counts[table] = row?.n ?? -1;
  }
  return counts;
}

describe('the inbound path warmed at start on throwaway data (issue 10: a started server’s first texts)', {
  timeout: 90_000,
}, () => {
  let h: TestHotline;
  let stopSealing: () => Promise<void> = async () => {};

  beforeAll(async () => {
    h = await createTestHotline();
    await h.addUser(['admin'], 'Admin');
    stopSealing = h.ctx.conversations.startSealing({ workers: 1 });
    await h.ctx.conversations.sealPool?.ready;
  });
  afterAll(async () => {
    await stopSealing();
    await h.close();
  });

  it("without a hub key: makes none, keeps, publishes and seals nothing for anybody real; reads one thing, and runs an arriving text's statements on each connection in a transaction rolled back", async () => {
    const before = await rowCounts(h);
    const statements: string[] = [];
    const db = h.ctx.db;
    (h.ctx as { db: typeof db }).db = recordingStatements(db, (line) => statements.push(line));
    const published: unknown[] = [];
    const realtime = h.ctx.realtime;
    h.ctx.realtime = { ...(realtime ?? {}), publish: async (e) => void published.push(e) } as typeof realtime;
    try {
      const report = await warmInboundPath(h.ctx);
      expect(report).toEqual({
        rounds: WARM_UP_ROUNDS,
        sealed: WARM_UP_ROUNDS,
        hubKey: false,
        connections: h.ctx.db.connections,
      });
    } finally {
      (h.ctx as { db: typeof db }).db = db;
      h.ctx.realtime = realtime;
    }
    // Outside the rolled-back transactions only whether a hub key exists is read (and the
    // settings, which the process keeps); inside each, a first contact's five statements and a
    // held text's store: nothing is kept (the row counts below), nothing published.
    expect(statements.filter((q) => !q.startsWith('tx: ') && !q.includes('hotline_settings'))).toEqual([
      'db: select id from hub_keys where retired_at is null',
    ]);
    const inside = statements.filter((q) => q.startsWith('tx: '));
    expect(inside.filter((q) => /^tx: with duplicate as/.test(q))).toHaveLength(h.ctx.db.connections);
    expect(inside.filter((q) => /^tx: with held as/.test(q))).toHaveLength(h.ctx.db.connections);
    expect(inside.filter((q) => /^tx: with inserted as/.test(q))).toHaveLength(h.ctx.db.connections);
    expect(inside.filter((q) => /^tx: with candidate as/.test(q))).toHaveLength(h.ctx.db.connections);
    expect(published).toEqual([]);
    expect(h.ctx.caches.hubKey).toBeNull();
    expect(await rowCounts(h)).toEqual(before);
  });

  it('with a hub key (startRealtime made it): loads it, so the first hub event unwraps nothing', async () => {
    await ensureHubKey(h.ctx);
    h.ctx.caches.hubKey = null;
    const before = await rowCounts(h);
    const report = await warmInboundPath(h.ctx, 20);
    expect(report).toEqual({ rounds: 20, sealed: 20, hubKey: true, connections: h.ctx.db.connections });
    expect(h.ctx.caches.hubKey).not.toBeNull();
    expect(await rowCounts(h)).toEqual(before);
    // The first event after it: no statement reads the key's wrap to unwrap it (a check that it
    // is still current may run, once a second).
    const statements: string[] = [];
    const db = h.ctx.db;
    (h.ctx as { db: typeof db }).db = recordingStatements(db, (line) => statements.push(line));
    const published: unknown[] = [];
    const realtime = h.ctx.realtime;
    h.ctx.realtime = { ...(realtime ?? {}), publish: async (e) => void published.push(e) } as typeof realtime;
    try {
      await publishHubEvent(h.ctx, {
        type: 'message:new',
        conversationId: randomUUID(),
        messageId: randomUUID(),
      });
    } finally {
      (h.ctx as { db: typeof db }).db = db;
      h.ctx.realtime = realtime;
    }
    expect(published).toHaveLength(1);
    expect(statements.filter((s) => s.includes('hub_key_wraps'))).toEqual([]);
  });
});

describe('a sealing thread warmed up', () => {
  const pool = startSealPool(1, READER_TABLES, (error) => {
    throw error;
  });
  afterAll(() => pool?.close());

  it('answers for the texts it sealed and drops them; real texts after it open for their readers only', async () => {
    if (!pool) throw new Error('the worker script is beside the pool');
    await pool.ready;
    expect(await pool.warm(8)).toBe(8);
    const secret = generateSecretKey();
    const reader = getPublicKey(secret);
    const messageId = randomUUID();
    const sealed = await pool.seal(messageId, 'ayuda', [reader]);
    // Sealed for the reader asked, and for nobody the warm-up made up.
    expect(sealed.wraps.map((w) => w.reader)).toEqual([reader]);
    const payload = JSON.parse(
      new TextDecoder().decode(
        openAsReader({ v: 1, ...sealed }, secret, {
          purpose: PURPOSES.message,
          recordId: messageRecordId(messageId),
        }),
      ),
    ) as MessagePayload;
    expect(payload.body).toBe('ayuda');
  });

  it('a pool with no running thread warms nothing', async () => {
    const closed = startSealPool(1, READER_TABLES, () => {});
    if (!closed) throw new Error('the worker script is beside the pool');
    await closed.ready;
    await closed.close();
    expect(await closed.warm(4)).toBe(0);
  });
});
