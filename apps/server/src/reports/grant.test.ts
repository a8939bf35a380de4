import { randomUUID } from 'node:crypto';
import {
  fromBase64url,
  generateSecretKey,
  PURPOSES,
  toBase64url,
  unwrapKey,
  wrapForNewReader,
  wrapKey,
} from '@llamenos/crypto';
import {
  attachmentRecordId,
  type ReportExportLine,
  type ReportGrantItem,
  type ReportGrantWork,
  reportRecordId,
} from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { openReply, openReport, payload, reportsClient } from '../../test/reports-helpers.js';
import { listAudit, verifyAuditLog } from '../audit/service.js';
import { purgeExpiredReports, startReportRetentionTimer } from './retention.js';

const DAY = 24 * 3600 * 1000;

/** The label context of a record, as the browser picks it from the work item's purpose. */
const contextOf = (item: Pick<ReportGrantItem, 'recordId' | 'purpose'>) => ({
  purpose: item.purpose === 'attachment' ? PURPOSES.attachment : PURPOSES.report,
  recordId: item.recordId,
});

describe('reports: granting a new admin, export and retention', () => {
  let h: TestHotline;
  let r: ReturnType<typeof reportsClient>;
  let admin: TestUser;
  let rita: TestUser;
  let volunteer: TestUser;

  beforeAll(async () => {
    h = await createTestHotline();
    r = reportsClient(h);
    admin = await h.addUser(['admin'], 'First admin');
    rita = await h.addUser(['reporter'], 'Rita');
    volunteer = await h.addUser(['volunteer'], 'Volunteer');
  });
  afterAll(() => h.close());

  const work = (as: TestUser, reader: string, extra = ''): Promise<ReportGrantWork> =>
    h.request('GET', `/api/reports/grant-work?reader=${reader}${extra}`, { as }).then((res) => r.json(res));
  const status = (as: TestUser, reader: string) =>
    h.request('GET', `/api/reports/grant-status?reader=${reader}`, { as }).then((res) => r.json(res));
  const grant = (as: TestUser, reader: string, wraps: unknown[]) =>
    h.request('POST', '/api/reports/grant', { as, body: { reader, wraps } });
  /** What the granting admin's browser does with each work item. */
  const rewrap = (item: ReportGrantItem, granter: TestUser, reader: string) => ({
    recordId: item.recordId,
    wrap: wrapForNewReader(
      { v: 1, ciphertext: '', wraps: [{ reader: granter.pubkey, wrap: item.wrap }] },
      granter.secretKey,
      reader,
      contextOf(item),
    ).wrap,
  });

  let reportId: string;
  let fileKey: Uint8Array;
  let attachmentId: string;

  it('grants a new admin every report, reply and attachment key, resumably, with progress', async () => {
    reportId = await r.file(rita, payload('before the new admin'));
    await r.reply(admin, reportId, 'a reply before the new admin');
    // An attachment's key, wrapped for the report's readers as the attachments module stores it.
    attachmentId = randomUUID();
    fileKey = generateSecretKey();
    for (const reader of [rita.pubkey, admin.pubkey])
      await h.ctx.db.query(
        'insert into report_wraps (report_id, record_id, reader_pubkey, wrap) values ($1, $2, $3, $4)',
        [
          reportId,
          attachmentRecordId(attachmentId),
          reader,
          toBase64url(
            wrapKey(fileKey, reader, {
              label: PURPOSES.attachment.wrap,
              recordId: attachmentRecordId(attachmentId),
            }),
          ),
        ],
      );
    await r.file(rita, payload('another one'));

    const newAdmin = await h.addUser(['admin'], 'New admin');
    expect((await r.json(await r.get(newAdmin, reportId))).report.wrap).toBeNull();
    expect(await status(admin, newAdmin.pubkey)).toEqual({ total: 4, done: 0, unavailableToCaller: 0 });

    // Two at a time: the first batch, then what is left (work lists only what is missing).
    const first = await work(admin, newAdmin.pubkey, '&limit=2');
    expect(first.items).toHaveLength(2);
    expect(first.next).toBe(first.items[1]?.recordId);
    await r.json(
      await grant(
        admin,
        newAdmin.pubkey,
        first.items.map((i) => rewrap(i, admin, newAdmin.pubkey)),
      ),
    );
    const rest = await work(admin, newAdmin.pubkey);
    expect(rest.items).toHaveLength(2);
    expect(rest.next).toBeNull();
    expect([...first.items, ...rest.items].map((i) => i.purpose).sort()).toEqual([
      'attachment',
      'report',
      'report',
      'report',
    ]);
    const done = await r.json(
      await grant(
        admin,
        newAdmin.pubkey,
        rest.items.map((i) => rewrap(i, admin, newAdmin.pubkey)),
      ),
    );
    expect(done).toEqual({ inserted: 2, alreadyPresent: 0, skipped: 0 });
    expect(await status(admin, newAdmin.pubkey)).toEqual({ total: 4, done: 4, unavailableToCaller: 0 });
    expect((await work(admin, newAdmin.pubkey)).items).toEqual([]);

    // The new admin opens the report, the reply and the attachment key.
    const detail = await r.json(await r.get(newAdmin, reportId));
    expect(openReport(detail.report, newAdmin).title).toBe('before the new admin');
    expect(openReply(detail.replies[0], newAdmin).body).toBe('a reply before the new admin');
    const [row] = await h.ctx.db.query<{ wrap: string }>(
      'select wrap from report_wraps where record_id = $1 and reader_pubkey = $2',
      [attachmentRecordId(attachmentId), newAdmin.pubkey],
    );
    expect(
      unwrapKey(fromBase64url(row?.wrap ?? ''), newAdmin.secretKey, {
        label: PURPOSES.attachment.wrap,
        recordId: attachmentRecordId(attachmentId),
      }),
    ).toEqual(fileKey);

    // Repeating a batch changes nothing; a record the granter has no wrap for is skipped.
    const again = await r.json(
      await grant(admin, newAdmin.pubkey, [
        ...rest.items.map((i) => rewrap(i, admin, newAdmin.pubkey)),
        { recordId: reportRecordId(randomUUID()), wrap: rest.items[0]?.wrap },
      ]),
    );
    expect(again).toEqual({ inserted: 0, alreadyPresent: 2, skipped: 1 });
    const [entry] = await listAudit(h.ctx.db, { action: 'reports.access-granted', limit: 1 });
    expect(entry).toMatchObject({ actorPubkey: admin.pubkey, target: `reader:${newAdmin.pubkey}` });
    expect(entry?.details).toEqual({ reader: newAdmin.pubkey, inserted: 0, alreadyPresent: 2, skipped: 1 });
  });

  it('grants only to a current report admin, and only well-formed wraps', async () => {
    expect((await work(admin, admin.pubkey)).items).toEqual([]);
    for (const path of ['grant-work', 'grant-status'])
      for (const reader of [volunteer.pubkey, rita.pubkey]) {
        const res = await h.request('GET', `/api/reports/${path}?reader=${reader}`, { as: admin });
        expect(res.status, `${path} for ${reader}`).toBe(400);
      }
    // A genuine wrap of a record the admin holds, but for a reader who is no report admin.
    const [mine] = await h.ctx.db.query<{ wrap: string }>(
      'select wrap from report_wraps where record_id = $1 and reader_pubkey = $2',
      [reportRecordId(reportId), admin.pubkey],
    );
    const item = { recordId: reportRecordId(reportId), purpose: 'report' as const, wrap: mine?.wrap ?? '' };
    const refused = await grant(admin, volunteer.pubkey, [rewrap(item, admin, volunteer.pubkey)]);
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.message).toContain('reports:read-all');
    expect(
      await h.ctx.db.query('select 1 from report_wraps where reader_pubkey = $1', [volunteer.pubkey]),
    ).toEqual([]);
    // Malformed wraps and record ids are refused before anything is looked up.
    const wrap = 'A'.repeat(142);
    expect((await grant(admin, admin.pubkey, [{ recordId: reportRecordId(reportId), wrap }])).status).toBe(
      400,
    );
    expect(
      (await grant(admin, admin.pubkey, [{ recordId: `note:${reportId}`, wrap: item.wrap }])).status,
    ).toBe(400);
  });

  it('exports every live report with its replies and the caller’s own wraps, audited first', async () => {
    const res = await h.request('GET', '/api/reports/export', { as: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ReportExportLine);
    const reports = lines.flatMap((l) => (l.type === 'report' ? [l] : []));
    expect(lines[lines.length - 1]).toEqual({ type: 'end', count: reports.length });
    expect(reports.length).toBe(2);
    const withReply = reports.find((l) => l.report.id === reportId);
    expect(withReply?.report.wrap?.reader).toBe(admin.pubkey);
    expect(openReport(withReply!.report, admin).title).toBe('before the new admin');
    expect(withReply?.replies.map((x) => openReply(x, admin).body)).toEqual(['a reply before the new admin']);
    const [entry] = await listAudit(h.ctx.db, { action: 'reports.exported', limit: 1 });
    expect(entry).toMatchObject({ actorPubkey: admin.pubkey, details: { count: 2 } });
    expect((await h.request('GET', '/api/reports/export', { as: rita })).status).toBe(403);
  });

  it('deletes reports older than the retention, with their replies and wraps, audited once', async () => {
    const start = new Date(Date.parse('2031-01-01T00:00:00Z'));
    h.setNow(start);
    const old = await r.file(rita, payload('old'));
    await r.reply(admin, old, 'old reply');
    h.setNow(new Date(start.getTime() + 20 * DAY));
    const recent = await r.file(rita, payload('recent'));

    // 0 keeps everything.
    expect(await purgeExpiredReports(h.ctx, new Date(start.getTime() + 400 * DAY))).toEqual({
      purged: 0,
      cutoff: null,
    });
    await r.setTypes(admin, [], { retentionDays: 30 });

    const now = new Date(start.getTime() + 31 * DAY);
    h.setNow(now);
    const before = (await listAudit(h.ctx.db, { action: 'reports.purged', limit: 10 })).length;
    // Every report made before `start` (the earlier tests) and the "old" one are past 30 days.
    const result = await purgeExpiredReports(h.ctx, now);
    expect(result.purged).toBe(3);
    expect((await h.ctx.db.query<{ id: string }>('select id from reports')).map((x) => x.id)).toEqual([
      recent,
    ]);
    expect(await h.ctx.db.query('select 1 from report_replies where report_id = $1', [old])).toEqual([]);
    expect(await h.ctx.db.query('select 1 from report_wraps where report_id <> $1', [recent])).toEqual([]);
    const [entry] = await listAudit(h.ctx.db, { action: 'reports.purged', limit: 1 });
    expect(entry?.details).toMatchObject({
      reason: 'retention',
      retentionDays: 30,
      reports: 3,
      tombstones: 0,
    });
    // A second run finds nothing and adds nothing to the chain.
    expect((await purgeExpiredReports(h.ctx, now)).purged).toBe(0);
    expect((await listAudit(h.ctx.db, { action: 'reports.purged', limit: 10 })).length).toBe(before + 1);
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
  });

  it('runs the purge on a timer until stopped', async () => {
    const at = Date.parse('2033-06-01T00:00:00Z');
    h.setNow(new Date(at));
    const id = await r.file(rita, payload('timer'));
    h.setNow(new Date(at + 40 * DAY));
    const stop = startReportRetentionTimer(h.ctx, 20);
    try {
      for (let i = 0; i < 100; i++) {
        if (!(await h.ctx.db.query('select 1 from reports where id = $1', [id])).length) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await h.ctx.db.query('select 1 from reports where id = $1', [id])).toEqual([]);
    } finally {
      await stop();
    }
  });
});
