import { randomBytes, randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import {
  concat,
  createAuthHeader,
  encryptStream,
  PURPOSES,
  STREAM_HEADER_LENGTH,
  toBase64url,
  wrapKey,
} from '@llamenos/crypto';
import { attachmentRecordId, paddedLength } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, PUBLIC_URL, type TestHotline, type TestUser } from '../../test/helpers.js';
import { payload, reportsClient } from '../../test/reports-helpers.js';
import { purgeExpiredReports } from './retention.js';

/**
 * What the reports module does with a report's attachments through the attachments module:
 * lists them in the detail, counts them, and removes their blob files from disk when the report
 * is deleted, by hand or by retention. One small file per report (one 2^16 chunk).
 */

const LOG2 = 16;
const DAY = 24 * 3600 * 1000;

describe('reports: their attachments', () => {
  let h: TestHotline;
  let r: ReturnType<typeof reportsClient>;
  let admin: TestUser;
  let rita: TestUser;

  beforeAll(async () => {
    h = await createTestHotline();
    r = reportsClient(h);
    admin = await h.addUser(['admin'], 'Admin');
    rita = await h.addUser(['reporter'], 'Rita');
  });
  afterAll(() => h.close());

  /** Files in the blob directory (complete blobs and partial uploads alike). */
  const filesOnDisk = async () => (await readdir(h.ctx.blobs.dir).catch(() => [])).length;

  /** Seals a small file as the browser does and uploads it to `reportId` as `user`; returns its id. */
  async function attach(user: TestUser, reportId: string): Promise<string> {
    const id = randomUUID();
    const key = randomBytes(32);
    const recordId = attachmentRecordId(id);
    const plaintext = new Uint8Array(paddedLength(1000));
    plaintext.set(randomBytes(1000));
    const parts: Uint8Array[] = [];
    const reader = new Blob([plaintext.slice().buffer])
      .stream()
      .pipeThrough(encryptStream(key, { label: PURPOSES.attachment.content, recordId }, LOG2))
      .getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(next.value);
    const stream = concat(...parts);
    const wraps = (await r.readersOf(user, reportId)).map((reader) => ({
      reader,
      wrap: toBase64url(wrapKey(key, reader, { label: PURPOSES.attachment.wrap, recordId })),
    }));
    const header = toBase64url(stream.subarray(0, STREAM_HEADER_LENGTH));
    await r.json(
      await h.request('POST', `/api/reports/${reportId}/attachments`, {
        as: user,
        body: { id, header, chunkCount: 1, wraps },
      }),
      201,
    );
    const chunk = stream.slice(STREAM_HEADER_LENGTH);
    const path = `/api/attachments/${id}/chunks/0`;
    const res = await h.app.request(`${PUBLIC_URL}${path}`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/octet-stream',
        authorization: createAuthHeader(
          { url: `${PUBLIC_URL}${path}`, method: 'PUT', body: chunk },
          user.secretKey,
          Math.floor(h.ctx.now().getTime() / 1000),
        ),
      },
      body: chunk.slice().buffer,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return id;
  }

  it('lists and counts a report’s attachments, each with the caller’s own wrap of its key', async () => {
    const id = await r.file(rita, payload('with a photo'));
    const attachmentId = await attach(rita, id);
    for (const reader of [rita, admin]) {
      const detail = await r.json(await r.get(reader, id));
      expect(detail.report.attachmentCount).toBe(1);
      expect(detail.attachments).toHaveLength(1);
      expect(detail.attachments[0]).toMatchObject({ id: attachmentId, reportId: id, state: 'complete' });
      expect(detail.attachments[0].wrap.reader).toBe(reader.pubkey);
    }
    expect((await r.list(rita)).find((x) => x.id === id)?.attachmentCount).toBe(1);
  });

  it('removes the attachment files from disk when an admin deletes the report', async () => {
    const id = await r.file(rita, payload('to delete'));
    const attachmentId = await attach(rita, id);
    const before = await filesOnDisk();
    expect((await h.request('DELETE', `/api/reports/${id}`, { as: admin })).status).toBe(204);
    expect(await filesOnDisk()).toBe(before - 1);
    expect(await h.ctx.db.query('select 1 from attachments where id = $1', [attachmentId])).toEqual([]);
    expect(
      (await h.request('GET', `/api/attachments/${attachmentId}/content`, { as: admin })).status,
    ).not.toBe(200);
  });

  it('removes the attachment files of reports that retention deletes', async () => {
    const start = Date.parse('2031-03-01T00:00:00Z');
    h.setNow(new Date(start));
    const old = await r.file(rita, payload('old, with a file'));
    await attach(rita, old);
    h.setNow(new Date(start + 10 * DAY));
    const recent = await r.file(rita, payload('recent, with a file'));
    await attach(rita, recent);
    await r.setTypes(admin, [], { retentionDays: 5 });
    // Every earlier report of this file (made in 2026) and `old` are past 5 days; `recent` is not.
    const live = Number(
      (
        await h.ctx.db.query<{ n: number }>(
          'select count(*) as n from attachments a where a.report_id <> $1',
          [recent],
        )
      )[0]?.n,
    );
    const before = await filesOnDisk();
    const result = await purgeExpiredReports(h.ctx, new Date(start + 10 * DAY));
    expect(result.purged).toBeGreaterThanOrEqual(2);
    expect(await filesOnDisk()).toBe(before - live);
    expect(await filesOnDisk()).toBe(1);
    expect(
      (await h.ctx.db.query<{ report_id: string }>('select report_id from attachments')).map(
        (a) => a.report_id,
      ),
    ).toEqual([recent]);
  });

  it('keeps expired reports’ attachments, rows and files, when the purge fails mid-way', async () => {
    const start = Date.parse('2032-01-01T00:00:00Z');
    h.setNow(new Date(start));
    const old = await r.file(rita, payload('purge fails'));
    const attachmentId = await attach(rita, old);
    await r.setTypes(admin, [], { retentionDays: 5 });
    const before = await filesOnDisk();
    // A real failure inside the purge's transaction, after the attachments' rows went.
    await h.ctx.db.exec(`
      create function refuse_report_delete() returns trigger language plpgsql as $$
      begin raise exception 'report delete refused'; end $$;
      create trigger refuse_report_delete before delete on reports
        for each row execute function refuse_report_delete();`);
    try {
      await expect(purgeExpiredReports(h.ctx, new Date(start + 10 * DAY))).rejects.toThrow(/refused/);
    } finally {
      await h.ctx.db.exec(
        'drop trigger refuse_report_delete on reports; drop function refuse_report_delete();',
      );
    }
    expect(await filesOnDisk()).toBe(before);
    expect(await h.ctx.db.query('select 1 from attachments where id = $1', [attachmentId])).toHaveLength(1);
    expect(await h.ctx.db.query('select 1 from reports where id = $1', [old])).toHaveLength(1);
  });

  it('purges expired reports although a blob file cannot be removed, and logs which', async () => {
    const start = Date.parse('2032-03-01T00:00:00Z');
    h.setNow(new Date(start));
    const old = await r.file(rita, payload('old, file stuck'));
    const attachmentId = await attach(rita, old);
    await r.setTypes(admin, [], { retentionDays: 5 });
    const remove = h.ctx.blobs.remove;
    const logged: unknown[] = [];
    const error = h.ctx.log.error;
    h.ctx.blobs.remove = async () => {
      throw Object.assign(new Error('EIO'), { code: 'EIO' });
    };
    h.ctx.log.error = ((obj: unknown) => void logged.push(obj)) as typeof error;
    try {
      const result = await purgeExpiredReports(h.ctx, new Date(start + 10 * DAY));
      expect(result.purged).toBeGreaterThanOrEqual(1);
    } finally {
      h.ctx.blobs.remove = remove;
      h.ctx.log.error = error;
    }
    expect(await h.ctx.db.query('select 1 from reports where id = $1', [old])).toEqual([]);
    expect(await h.ctx.db.query('select 1 from attachments where id = $1', [attachmentId])).toEqual([]);
    expect(JSON.stringify(logged)).toContain('EIO');
  });
});
