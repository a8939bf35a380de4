import { randomUUID } from 'node:crypto';
import type { ReportForReader, ReportType } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { scanDatabase } from '../../test/leak-scan-helpers.js';
import { captureHubEvents } from '../../test/realtime-helpers.js';
import {
  openReply,
  openReport,
  payload,
  reportsClient,
  sealReply,
  sealReport,
} from '../../test/reports-helpers.js';
import { listAudit, verifyAuditLog } from '../audit/service.js';

const INCIDENT: ReportType = {
  id: 'incident',
  name: 'Incident',
  fields: [{ id: 'place', label: 'Where', type: 'location', required: true, order: 0 }],
  categories: ['street', 'online'],
  archived: false,
};
const RETIRED: ReportType = { id: 'retired', name: 'Old form', fields: [], categories: [], archived: true };

describe('reports', () => {
  let h: TestHotline;
  let r: ReturnType<typeof reportsClient>;
  let admin: TestUser;
  let admin2: TestUser;
  let volunteer: TestUser;
  let rita: TestUser;
  let rob: TestUser;
  const MARKER = `leak-marker-${randomUUID()}`;

  beforeAll(async () => {
    h = await createTestHotline();
    r = reportsClient(h);
    admin = await h.addUser(['admin'], 'Admin');
    admin2 = await h.addUser(['admin'], 'Second admin');
    volunteer = await h.addUser(['volunteer'], 'Volunteer');
    rita = await h.addUser(['reporter'], 'Rita');
    rob = await h.addUser(['reporter'], 'Rob');
    await r.setTypes(admin, [INCIDENT, RETIRED]);
  });
  afterAll(() => h.close());

  const sorted = (keys: string[]) => [...keys].sort();
  const ids = (reports: ReportForReader[]) => reports.map((x) => x.id);
  const auditOf = async (action: string) => (await listAudit(h.ctx.db, { action, limit: 1 }))[0];

  it('names the readers of a new report: the caller and every report admin', async () => {
    expect(sorted(await r.readers(rita))).toEqual(sorted([rita.pubkey, admin.pubkey, admin2.pubkey]));
    expect(sorted(await r.readers(admin))).toEqual(sorted([admin.pubkey, admin2.pubkey]));
  });

  it('files a report that its author and the admins open, audited without content', async () => {
    const p = payload(`Checkpoint stop ${MARKER}`, {
      category: 'street',
      fields: { place: `corner ${MARKER}` },
    });
    const id = await r.file(rita, p, 'incident');
    for (const reader of [rita, admin, admin2]) {
      const detail = await r.json(await r.get(reader, id));
      expect(detail.report).toMatchObject({
        id,
        typeId: 'incident',
        authorPubkey: rita.pubkey,
        status: 'new',
        assigneeId: null,
        replyCount: 0,
        attachmentCount: 0,
      });
      expect(detail.report.wrap.reader).toBe(reader.pubkey);
      expect(openReport(detail.report, reader)).toEqual(p);
      expect(detail.replies).toEqual([]);
      expect(detail.attachments).toEqual([]);
    }
    expect(ids(await r.list(rita))).toContain(id);
    const entry = await auditOf('reports.created');
    expect(entry).toMatchObject({ actorPubkey: rita.pubkey, target: `report:${id}` });
    expect(entry?.details).toEqual({ typeId: 'incident', readers: 3 });
  });

  it('refuses a report sealed for a reader missing or extra, naming them', async () => {
    const id = randomUUID();
    const post = (readers: string[]) =>
      h.request('POST', '/api/reports', {
        as: rita,
        body: { id, typeId: null, envelope: sealReport(id, payload('x'), readers) },
      });
    const missing = await post([rita.pubkey, admin.pubkey]);
    expect(missing.status).toBe(400);
    const missingBody = await missing.json();
    expect(missingBody.error.message).toContain('GET /api/reports/readers');
    expect(missingBody.error.details.missingReaders).toEqual([admin2.pubkey]);
    const extra = await post([rita.pubkey, admin.pubkey, admin2.pubkey, volunteer.pubkey]);
    expect(extra.status).toBe(400);
    expect((await extra.json()).error.details.unexpectedReaders).toEqual([volunteer.pubkey]);
    expect((await r.get(rita, id)).status).toBe(404);
  });

  it('answers a retried create like the first, and refuses a taken id with 409', async () => {
    const id = randomUUID();
    const envelope = sealReport(id, payload('retry'), await r.readers(rita));
    const body = { id, typeId: null, envelope };
    expect((await h.request('POST', '/api/reports', { as: rita, body })).status).toBe(201);
    expect((await h.request('POST', '/api/reports', { as: rita, body })).status).toBe(200);
    const other = { id, typeId: null, envelope: sealReport(id, payload('other'), await r.readers(rob)) };
    expect((await h.request('POST', '/api/reports', { as: rob, body: other })).status).toBe(409);
  });

  it('takes new reports only under an offered type; a type archived or changed later leaves old reports readable', async () => {
    const file = async (typeId: string) => {
      const id = randomUUID();
      return h.request('POST', '/api/reports', {
        as: rita,
        body: { id, typeId, envelope: sealReport(id, payload('typed'), await r.readers(rita)) },
      });
    };
    const unknown = await file('no-such-type');
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.message).toContain('no report type');
    const archived = await file('retired');
    expect(archived.status).toBe(400);
    expect((await archived.json()).error.message).toContain('archived');

    const p = payload('filed before the form changed', { fields: { place: 'the old field' } });
    const id = await r.file(rita, p, 'incident');
    await r.setTypes(admin, [{ ...INCIDENT, name: 'Incident (v2)', fields: [], archived: true }, RETIRED]);
    try {
      expect((await file('incident')).status).toBe(400);
      const detail = await r.json(await r.get(admin, id));
      expect(detail.report.typeId).toBe('incident');
      expect(openReport(detail.report, admin)).toEqual(p);
      expect(ids(await r.list(admin, '?typeId=incident'))).toContain(id);
    } finally {
      await r.setTypes(admin, [INCIDENT, RETIRED]);
    }
  });

  it("keeps reporters out of each other's reports: not listed, and 404 like a missing report", async () => {
    const id = await r.file(rita, payload('rita only'));
    expect((await r.get(rob, id)).status).toBe(404);
    expect((await r.get(rob, randomUUID())).status).toBe(404);
    expect((await h.request('GET', `/api/reports/${id}/readers`, { as: rob })).status).toBe(404);
    const replyId = randomUUID();
    const reply = await h.request('POST', `/api/reports/${id}/replies`, {
      as: rob,
      body: { id: replyId, envelope: sealReply(replyId, { v: 1, body: 'x' }, await r.readers(rob)) },
    });
    expect(reply.status).toBe(404);
    expect(ids(await r.list(rob))).not.toContain(id);
    expect((await h.request('GET', `/api/reports?authorPubkey=${rita.pubkey}`, { as: rob })).status).toBe(
      403,
    );
    // An admin sees everyone's, or only their own with scope=mine.
    expect(ids(await r.list(admin, `?authorPubkey=${rita.pubkey}`))).toContain(id);
    expect(ids(await r.list(admin, '?scope=mine'))).not.toContain(id);
  });

  it('guards each route by role: reporters reach reports only, never notes, calls, shifts or conversations', async () => {
    const id = await r.file(rita, payload('guards'));
    const cases: [TestUser | undefined, string, string, number][] = [
      [undefined, 'GET', '/api/reports', 401],
      [rita, 'GET', '/api/notes', 403],
      [rita, 'POST', '/api/notes', 403],
      [rita, 'GET', `/api/notes/${randomUUID()}`, 403],
      [rita, 'GET', '/api/notes/export', 403],
      [rita, 'GET', '/api/calls', 403],
      [rita, 'GET', '/api/calls/active', 403],
      [rita, 'GET', '/api/conversations', 403],
      [rita, 'GET', `/api/conversations/${randomUUID()}`, 403],
      [rita, 'GET', '/api/shifts', 403],
      [rita, 'GET', '/api/reports/counts', 403],
      [rita, 'GET', '/api/reports/export', 403],
      [rita, 'GET', `/api/reports/grant-work?reader=${admin.pubkey}`, 403],
      [rita, 'GET', `/api/reports/grant-status?reader=${admin.pubkey}`, 403],
      [rita, 'POST', '/api/reports/grant', 403],
      [rita, 'PATCH', `/api/reports/${id}`, 403],
      [rita, 'DELETE', `/api/reports/${id}`, 403],
      [rita, 'GET', `/api/reports/${id}`, 200],
      [admin, 'GET', `/api/reports/${id}`, 200],
      [admin, 'GET', '/api/reports/counts', 200],
    ];
    for (const [as, method, path, status] of cases) {
      const res = await h.request(method, path, {
        ...(as ? { as } : {}),
        ...(method === 'POST' || method === 'PATCH' ? { body: {} } : {}),
      });
      expect(res.status, `${method} ${path} as ${as?.roles.join(',') ?? 'anonymous'}`).toBe(status);
    }
  });

  it('lets a volunteer file a report and read only their own', async () => {
    const id = await r.file(volunteer, payload('seen on shift'));
    expect((await r.get(volunteer, id)).status).toBe(200);
    const other = await r.file(rita, payload('not the volunteer’s'));
    expect((await r.get(volunteer, other)).status).toBe(404);
    expect(ids(await r.list(volunteer))).toEqual([id]);
  });

  it('takes no new report while reports are turned off, and keeps filed ones readable', async () => {
    const filed = await r.file(rita, payload('before the switch'));
    const settings = await r.json(await h.request('GET', '/api/settings', { as: admin }));
    const turn = async (on: boolean, version: number) =>
      r.json(
        await h.request('PATCH', '/api/settings/channels', {
          as: admin,
          body: { value: { ...settings.settings.channels, reports: on }, version },
        }),
      );
    const off = await turn(false, settings.version);
    const id = randomUUID();
    const refused = await h.request('POST', '/api/reports', {
      as: rita,
      body: { id, typeId: null, envelope: sealReport(id, payload('after'), await r.readers(rita)) },
    });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.message).toMatch(/does not take reports/);
    expect((await r.get(rita, filed)).status).toBe(200);
    await turn(true, off.version);
    expect(await r.file(rita, payload('on again'))).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('lets an admin move a report through the workflow and assign it, audited with before and after', async () => {
    const id = await r.file(rita, payload('workflow'));
    const patch = (as: TestUser, body: object) => h.request('PATCH', `/api/reports/${id}`, { as, body });
    const moved = await r.json(await patch(admin, { status: 'in-review', assigneeId: admin2.id }));
    expect(moved.report).toMatchObject({ id, status: 'in-review', assigneeId: admin2.id });
    expect((await auditOf('reports.status-changed'))?.details).toEqual({ before: 'new', after: 'in-review' });
    expect((await auditOf('reports.assigned'))?.details).toEqual({ before: null, after: admin2.id });

    expect(ids(await r.list(admin, '?status=in-review'))).toContain(id);
    expect(ids(await r.list(admin, `?assigneeId=${admin2.id}`))).toEqual([id]);
    expect(ids(await r.list(admin, '?status=new'))).not.toContain(id);
    const seen = await r.json(await r.get(rita, id));
    expect(seen.report).toMatchObject({ status: 'in-review', assigneeId: admin2.id });

    // Only an active report admin can be the assignee.
    for (const assigneeId of [volunteer.id, rob.id, randomUUID()])
      expect((await patch(admin, { assigneeId })).status).toBe(400);
    // Setting what is set records nothing.
    const before = (await listAudit(h.ctx.db, { limit: 1000 })).length;
    await r.json(await patch(admin, { status: 'in-review' }));
    expect((await listAudit(h.ctx.db, { limit: 1000 })).length).toBe(before);
    // Closed, then reopened, then unassigned.
    await r.json(await patch(admin2, { status: 'closed' }));
    await r.json(await patch(admin2, { status: 'new', assigneeId: null }));
    expect((await r.json(await r.get(admin, id))).report).toMatchObject({ status: 'new', assigneeId: null });
    expect((await patch(admin, {})).status).toBe(400);
    expect((await patch(admin, { status: 'archived' })).status).toBe(400);
  });

  it('carries a reply thread both ways, each reply sealed for the author and the admins', async () => {
    const id = await r.file(rita, payload('thread'));
    const created = (await r.json(await r.get(admin, id))).report;
    expect(sorted(await r.readersOf(admin, id))).toEqual(sorted([rita.pubkey, admin.pubkey, admin2.pubkey]));
    expect(sorted(await r.readersOf(rita, id))).toEqual(sorted([rita.pubkey, admin.pubkey, admin2.pubkey]));

    // Each reply a minute after the last, so the thread's order is the order they were sent in.
    let at = Date.now();
    const later = () => {
      at += 60_000;
      h.setNow(new Date(at));
    };
    try {
      later();
      await r.reply(admin, id, `Can you say when? ${MARKER}`);
      later();
      await r.reply(rita, id, 'Around nine in the evening');
      // A closed report still takes replies from its author and the admins.
      await r.json(await h.request('PATCH', `/api/reports/${id}`, { as: admin, body: { status: 'closed' } }));
      later();
      await r.reply(rita, id, 'One more thing');
    } finally {
      h.setNow(new Date(at + 60_000));
    }

    const asRita = await r.json(await r.get(rita, id));
    expect(asRita.report.replyCount).toBe(3);
    expect(asRita.report.status).toBe('closed');
    expect(asRita.report.updatedAt > created.updatedAt).toBe(true);
    expect(asRita.replies.map((x: never) => openReply(x, rita).body)).toEqual([
      `Can you say when? ${MARKER}`,
      'Around nine in the evening',
      'One more thing',
    ]);
    const asAdmin2 = await r.json(await r.get(admin2, id));
    expect(openReply(asAdmin2.replies[1], admin2).body).toBe('Around nine in the evening');
    expect(asAdmin2.replies[0].authorPubkey).toBe(admin.pubkey);
    expect((await auditOf('reports.replied'))?.details).toMatchObject({ readers: 3, byAuthor: true });

    // A reply sealed for the wrong readers is refused; a retry of the same reply is not a second one.
    const replyId = randomUUID();
    const bad = await h.request('POST', `/api/reports/${id}/replies`, {
      as: rita,
      body: { id: replyId, envelope: sealReply(replyId, { v: 1, body: 'x' }, [rita.pubkey]) },
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toContain('/api/reports/:id/readers');
    const good = {
      id: replyId,
      envelope: sealReply(replyId, { v: 1, body: 'y' }, await r.readersOf(rita, id)),
    };
    expect((await h.request('POST', `/api/reports/${id}/replies`, { as: rita, body: good })).status).toBe(
      201,
    );
    expect((await h.request('POST', `/api/reports/${id}/replies`, { as: rita, body: good })).status).toBe(
      200,
    );
    expect((await h.request('POST', `/api/reports/${id}/replies`, { as: admin, body: good })).status).toBe(
      409,
    );
    expect((await r.json(await r.get(rita, id))).report.replyCount).toBe(4);
  });

  it('tells members of each change by a hub event naming only the report id', async () => {
    const { list: events, stop } = await captureHubEvents(h.ctx);
    try {
      const id = await r.file(rita, payload('announced'));
      await r.json(
        await h.request('PATCH', `/api/reports/${id}`, { as: admin, body: { status: 'in-review' } }),
      );
      await r.reply(admin, id, 'seen');
      expect((await h.request('DELETE', `/api/reports/${id}`, { as: admin })).status).toBe(204);
      expect(events).toEqual([
        { type: 'report:new', reportId: id },
        { type: 'report:updated', reportId: id },
        { type: 'report:reply', reportId: id },
        { type: 'report:updated', reportId: id },
      ]);
    } finally {
      stop();
    }
  });

  it('counts live reports by type and status for admins', async () => {
    const { counts } = await r.json(await h.request('GET', '/api/reports/counts', { as: admin }));
    const total = counts.reduce((sum: number, c: { count: number }) => sum + c.count, 0);
    const live = Number(
      (await h.ctx.db.query<{ n: number }>('select count(*) as n from reports where deleted_at is null'))[0]
        ?.n,
    );
    expect(total).toBe(live);
    expect(counts.some((c: { typeId: string | null }) => c.typeId === 'incident')).toBe(true);
  });

  it('pages the list newest first with a cursor', async () => {
    const mine = [
      await r.file(rob, payload('p1')),
      await r.file(rob, payload('p2')),
      await r.file(rob, payload('p3')),
    ];
    const first = await r.json(await h.request('GET', '/api/reports?limit=2', { as: rob }));
    expect(first.reports).toHaveLength(2);
    expect(first.nextCursor).toBeTruthy();
    const second = await r.json(
      await h.request('GET', `/api/reports?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`, {
        as: rob,
      }),
    );
    expect(sorted([...ids(first.reports), ...ids(second.reports)])).toEqual(sorted(mine));
    expect(second.nextCursor).toBeNull();
    expect((await h.request('GET', '/api/reports?status=bogus', { as: rob })).status).toBe(400);
    expect((await h.request('GET', '/api/reports?cursor=nonsense', { as: rob })).status).toBe(400);
  });

  it('deletes a report for good: content, replies and wraps gone, a tombstone and an audit entry left', async () => {
    const id = await r.file(rita, payload(`to delete ${MARKER}`));
    await r.reply(admin, id, 'noted');
    expect((await h.request('DELETE', `/api/reports/${id}`, { as: admin })).status).toBe(204);
    expect((await r.get(rita, id)).status).toBe(410);
    expect((await r.get(admin, id)).status).toBe(410);
    expect(ids(await r.list(admin))).not.toContain(id);
    const [row] = await h.ctx.db.query<{ ciphertext: string | null; deleted_at: Date | null }>(
      'select ciphertext, deleted_at from reports where id = $1',
      [id],
    );
    expect(row?.ciphertext).toBeNull();
    expect(row?.deleted_at).not.toBeNull();
    expect(await h.ctx.db.query('select 1 from report_replies where report_id = $1', [id])).toEqual([]);
    expect(await h.ctx.db.query('select 1 from report_wraps where report_id = $1', [id])).toEqual([]);
    expect((await auditOf('reports.deleted'))?.details).toEqual({ authorPubkey: rita.pubkey, replies: 1 });
    expect((await h.request('DELETE', `/api/reports/${id}`, { as: admin })).status).toBe(410);
    // The id stays taken.
    const again = await h.request('POST', '/api/reports', {
      as: rita,
      body: { id, typeId: null, envelope: sealReport(id, payload('reuse'), await r.readers(rita)) },
    });
    expect(again.status).toBe(409);
  });

  it('never stores the plaintext: no table or column of the database holds the marker', async () => {
    expect(await scanDatabase(h.ctx.db, [MARKER])).toEqual([]);
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
  });
});
