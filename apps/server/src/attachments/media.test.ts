import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { hashPhone } from '@llamenos/crypto';
import type { ConversationDetail } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clearShifts,
  contactNumber,
  type FakeChannel,
  fakeChannel,
  inbound,
  putOnShift,
  setSettings,
  settle,
} from '../../test/conversations-helpers.js';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { purgeExpiredConversations, tickConversationTimers } from '../conversations/timers.js';
import { removeStaleUploads } from './service.js';

/**
 * A conversation message's media is an attachment like a report's (issue 11): one table, one
 * service. Its download keeps its own URL and its conversation's rule, the report URLs never
 * reach it, the sweep of abandoned report uploads leaves it alone, and conversation retention
 * removes it through the one removal path: no row, no wrap, no file on disk.
 */

let h: TestHotline;
let admin: TestUser;
let volunteer: TestUser;
let sms: FakeChannel;
const picture = new Uint8Array(3000).map((_, i) => (i * 5) % 251);

beforeAll(async () => {
  h = await createTestHotline();
  admin = await h.addUser(['admin'], 'Admin');
  volunteer = await h.addUser(['volunteer'], 'Vol');
  sms = fakeChannel();
  h.ctx.conversations.channels.set(sms.id, sms);
  await clearShifts(h);
  await putOnShift(h, [volunteer.id]);
});
afterAll(() => h?.close());

const DAY = 86400_000;
const files = async () => await readdir(h.ctx.blobs.dir).catch(() => [] as string[]);

/** A conversation from a new contact whose one message carries `media` (ref → bytes or 'fail'). */
async function conversationWithMedia(media: (Uint8Array | 'fail')[]) {
  const from = contactNumber();
  const refs = media.map((bytes) => {
    const ref = `https://media.example/${randomUUID()}`;
    sms.media.set(ref, bytes);
    return { ref, contentType: 'image/png' };
  });
  await h.ctx.conversations.receive(sms, inbound(from, 'see attached', { media: refs }));
  await settle(h);
  const [row] = await h.ctx.db.query<{ id: string }>('select id from conversations where contact_hash = $1', [
    hashPhone(h.ctx.keys.hashKey, from),
  ]);
  const id = row!.id;
  const res = await h.request('GET', `/api/conversations/${id}`, { as: admin });
  const thread = (await res.json()) as ConversationDetail;
  const message = thread.messages.find((m) => m.direction === 'in')!;
  return { id, media: message.media };
}

const rowsOf = (conversationId: string) =>
  h.ctx.db.query<{
    id: string;
    owner_kind: string;
    state: string;
    blob_id: string | null;
    report_id: string | null;
  }>(
    'select id, owner_kind, state, blob_id, report_id from attachments where conversation_id = $1 order by position',
    [conversationId],
  );

describe('conversation media through the attachment service', () => {
  it('is an attachments row of owner kind conversation-message, served under its conversation URL only', async () => {
    const { id, media } = await conversationWithMedia([picture]);
    const [row] = await rowsOf(id);
    expect(row).toMatchObject({
      id: media[0]!.id,
      owner_kind: 'conversation-message',
      state: 'complete',
      report_id: null,
    });
    expect(await files()).toContain(row!.blob_id);

    const file = await h.request('GET', `/api/conversations/${id}/media/${row!.id}`, { as: admin });
    expect(file.status).toBe(200);
    expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(picture.length);
    // Under another conversation's URL, or the report attachments' URLs: as if it did not exist.
    const other = await conversationWithMedia([picture]);
    expect(
      (await h.request('GET', `/api/conversations/${other.id}/media/${row!.id}`, { as: admin })).status,
    ).toBe(404);
    expect((await h.request('GET', `/api/attachments/${row!.id}/content`, { as: admin })).status).toBe(404);
    expect((await h.request('DELETE', `/api/attachments/${row!.id}`, { as: admin })).status).toBe(404);
    expect((await h.request('GET', `/api/attachments/${row!.id}/upload`, { as: admin })).status).toBe(404);
    expect(await rowsOf(id)).toHaveLength(1);
    expect(await files()).toContain(row!.blob_id);
  });

  it('is left alone by the sweep of abandoned report uploads, pending or failed, however old', async () => {
    const { id } = await conversationWithMedia(['fail', picture]);
    // The first fetch keeps failing until the media is marked failed; the second is stored.
    let at = Date.now();
    for (let i = 0; i < 10; i++) {
      at += 2 * 3600_000;
      await tickConversationTimers(h.ctx, new Date(at));
    }
    const pending = await conversationWithMedia(['fail']);
    expect((await rowsOf(id)).map((r) => r.state)).toEqual(['failed', 'complete']);
    expect((await rowsOf(pending.id)).map((r) => r.state)).toEqual(['uploading']);
    await removeStaleUploads(h.ctx, new Date(Date.now() + 365 * DAY));
    expect((await rowsOf(id)).map((r) => r.state)).toEqual(['failed', 'complete']);
    expect((await rowsOf(pending.id)).map((r) => r.state)).toEqual(['uploading']);
  });

  it('is removed by conversation retention: no row, no wrap, no file on disk', async () => {
    const { id } = await conversationWithMedia([picture, picture]);
    const rows = await rowsOf(id);
    expect(rows.map((r) => r.state)).toEqual(['complete', 'complete']);
    const blobIds = rows.map((r) => r.blob_id!);
    for (const blobId of blobIds) expect(await files()).toContain(blobId);
    const recordIds = rows.map((r) => `attachment:${r.id}`);
    expect(
      await h.ctx.db.query('select 1 from conversation_wraps where record_id = any($1::text[])', [recordIds]),
    ).not.toHaveLength(0);

    expect((await h.request('POST', `/api/conversations/${id}/close`, { as: admin })).status).toBe(200);
    await setSettings(h, (s) => ({ ...s, messaging: { ...s.messaging, retentionDays: 30 } }));
    try {
      expect(await purgeExpiredConversations(h.ctx, new Date(Date.now() + 40 * DAY))).toBeGreaterThanOrEqual(
        1,
      );
    } finally {
      await setSettings(h, (s) => ({ ...s, messaging: { ...s.messaging, retentionDays: 0 } }));
    }
    expect(
      await h.ctx.db.query('select 1 from attachments where id = any($1::text[])', [rows.map((r) => r.id)]),
    ).toHaveLength(0);
    expect(
      await h.ctx.db.query('select 1 from conversation_wraps where record_id = any($1::text[])', [recordIds]),
    ).toHaveLength(0);
    const left = await files();
    for (const blobId of blobIds) expect(left).not.toContain(blobId);
    const [audit] = await h.ctx.db.query<{ details: { attachments: number } }>(
      `select details from audit_log where action = 'conversations.purged' order by seq desc limit 1`,
    );
    expect(audit!.details.attachments).toBeGreaterThanOrEqual(2);
  });
});
