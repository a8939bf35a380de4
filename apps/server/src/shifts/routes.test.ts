import type { OccurrenceView, RingGroupView, ShiftView } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { listAudit, verifyAuditLog } from '../audit/service.js';
import type { ShiftsChange } from './service.js';
import { eligibleVolunteers } from './views.js';

// Weekdays: 0 = Monday … 6 = Sunday. 2026-03-06 is a Friday.
const FRI = 4;

describe('shift routes', () => {
  let h: TestHotline;
  let admin: TestUser;
  let ana: TestUser;
  let ben: TestUser;
  let cy: TestUser;
  const heard: ShiftsChange[] = [];
  const listener = (change: ShiftsChange) => {
    heard.push(change);
  };

  beforeAll(async () => {
    h = await createTestHotline();
    admin = await h.addUser(['admin'], 'Admin');
    ana = await h.addUser(['volunteer'], 'Ana');
    ben = await h.addUser(['volunteer'], 'Ben');
    cy = await h.addUser(['volunteer'], 'Cy');
    h.ctx.events.on('shifts:changed', listener);
    const res = await h.request('PATCH', '/api/settings/timeZone', {
      as: admin,
      body: { value: 'America/New_York', version: 0 },
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await h.close();
  });

  const json = async <T>(res: Response, status: number): Promise<T> => {
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(status);
    return body as T;
  };
  const createShift = async (body: Record<string, unknown>) =>
    json<ShiftView>(await h.request('POST', '/api/shifts', { as: admin, body }), 201);

  let night: ShiftView;

  it('creates an overnight shift, audits it and tells listeners after commit', async () => {
    night = await createShift({
      name: 'Friday night',
      weekday: FRI,
      start: '22:00',
      durationMinutes: 600,
      userIds: [ana.id],
    });
    expect(night).toMatchObject({ weekday: FRI, start: '22:00', durationMinutes: 600, userIds: [ana.id] });
    const [entry] = await listAudit(h.ctx.db, { action: 'shifts.*', limit: 1 });
    expect(entry).toMatchObject({
      action: 'shifts.shift.created',
      actorPubkey: admin.pubkey,
      target: night.id,
    });
    expect(heard.at(-1)).toEqual({ kind: 'shift', action: 'created', id: night.id });
  });

  it('allows overlapping shifts', async () => {
    const overlap = await createShift({ name: 'Late', weekday: FRI, start: '23:00', durationMinutes: 120 });
    expect(overlap.id).not.toBe(night.id);
    expect((await h.request('DELETE', `/api/shifts/${overlap.id}`, { as: admin })).status).toBe(204);
  });

  it('refuses an unknown user with 400 and stores nothing', async () => {
    const before = (await listAudit(h.ctx.db, { action: 'shifts.*', limit: 100 })).length;
    const res = await h.request('POST', '/api/shifts', {
      as: admin,
      body: { name: 'X', weekday: 0, start: '09:00', durationMinutes: 60, userIds: ['nobody'] },
    });
    const body = await json<{ error: { code: string; details: unknown } }>(res, 400);
    expect(body.error.code).toBe('bad_request');
    expect(body.error.details).toEqual({ unknownUserIds: ['nobody'] });
    const put = await h.request('PUT', `/api/shifts/${night.id}/assignments`, {
      as: admin,
      body: { userIds: [ana.id, 'ghost'] },
    });
    expect(put.status).toBe(400);
    expect((await listAudit(h.ctx.db, { action: 'shifts.*', limit: 100 })).length).toBe(before);
  });

  it('validates bodies, queries and params with the one error shape', async () => {
    const bad = async (method: string, path: string, body: unknown, where: string) => {
      const res = await h.request(method, path, { as: admin, body });
      const err = await json<{ error: { code: string; message: string; details: { path: string }[] } }>(
        res,
        400,
      );
      expect(err.error.code).toBe('validation_failed');
      expect(err.error.details.map((d) => d.path).join(' ')).toContain(where);
    };
    const ok = { name: 'A', weekday: 0, start: '09:00', durationMinutes: 60 };
    await bad('POST', '/api/shifts', { ...ok, weekday: 7 }, 'weekday');
    await bad('POST', '/api/shifts', { ...ok, start: '24:00' }, 'start');
    await bad('POST', '/api/shifts', { ...ok, durationMinutes: 10 }, 'durationMinutes');
    await bad('POST', '/api/shifts', { ...ok, durationMinutes: 1441 }, 'durationMinutes');
    await bad('POST', '/api/shifts', { ...ok, colour: 'red' }, '');
    await bad('POST', '/api/shift-exceptions', { date: '2026-02-30', kind: 'cancel' }, 'date');
    await bad(
      'POST',
      '/api/shift-exceptions',
      { date: '2026-03-06', kind: 'swap', shiftId: night.id },
      'userIn',
    );
    const week = await h.request('GET', '/api/shifts/week?start=monday', { as: admin });
    expect((await json<{ error: { code: string } }>(week, 400)).error.code).toBe('validation_failed');
    const mine = await h.request('GET', '/api/shifts/mine?days=0', { as: ana });
    expect(mine.status).toBe(400);
    expect(
      (await h.request('PATCH', '/api/shifts/bad%20id', { as: admin, body: { name: 'x' } })).status,
    ).toBe(400);
    expect((await h.request('PATCH', '/api/shifts/missing', { as: admin, body: { name: 'x' } })).status).toBe(
      404,
    );
  });

  it('guards: volunteers read the schedule but cannot change it; strangers get 401', async () => {
    expect((await h.request('GET', '/api/shifts', { as: ana })).status).toBe(200);
    expect((await h.request('GET', '/api/shifts/now', { as: ana })).status).toBe(200);
    expect((await h.request('GET', '/api/shifts/week?start=2026-03-02', { as: ana })).status).toBe(200);
    const writes: [string, string, unknown][] = [
      ['POST', '/api/shifts', { name: 'A', weekday: 0, start: '09:00', durationMinutes: 60 }],
      ['PATCH', `/api/shifts/${night.id}`, { name: 'Mine now' }],
      ['PUT', `/api/shifts/${night.id}/assignments`, { userIds: [] }],
      ['DELETE', `/api/shifts/${night.id}`, undefined],
      ['POST', '/api/ring-groups', { name: 'G' }],
      ['POST', '/api/shift-exceptions', { date: '2026-03-06', kind: 'cancel' }],
    ];
    for (const [method, path, body] of writes) {
      expect((await h.request(method, path, { as: ana, body })).status, `${method} ${path}`).toBe(403);
      expect((await h.request(method, path, { body })).status, `${method} ${path}`).toBe(401);
    }
    expect((await h.request('GET', '/api/shifts/mine')).status).toBe(401);
    const reporter = await h.addUser(['reporter']);
    expect((await h.request('GET', '/api/shifts', { as: reporter })).status).toBe(403);
    expect((await h.request('GET', '/api/shifts/mine', { as: reporter })).status).toBe(200);
  });

  it('shows the week with the overnight shift on the day it starts, in the hotline zone', async () => {
    const week = await json<{ dates: string[]; occurrences: OccurrenceView[]; timeZone: string }>(
      await h.request('GET', '/api/shifts/week?start=2026-03-02', { as: admin }),
      200,
    );
    expect(week.timeZone).toBe('America/New_York');
    expect(week.dates).toHaveLength(7);
    const friday = week.occurrences.find((o) => o.shiftId === night.id);
    expect(friday).toMatchObject({
      date: '2026-03-06',
      weekday: FRI,
      start: '2026-03-07T03:00:00.000Z',
      end: '2026-03-07T13:00:00.000Z',
      localStart: '22:00',
      localEnd: '08:00',
      endDate: '2026-03-07',
      userIds: [ana.id],
      cancelled: false,
    });
  });

  it('says who is on shift now, and lists my upcoming shifts', async () => {
    h.setNow(new Date('2026-03-07T08:00:00Z')); // Saturday 03:00 EST
    const now = await json<{ source: string; userIds: string[]; includesMe: boolean }>(
      await h.request('GET', '/api/shifts/now', { as: ana }),
      200,
    );
    expect(now).toMatchObject({ source: 'shift', userIds: [ana.id], includesMe: true });
    const mine = await json<{ occurrences: OccurrenceView[] }>(
      await h.request('GET', '/api/shifts/mine?days=14', { as: ana }),
      200,
    );
    // The one running now, then the next two Fridays.
    expect(mine.occurrences.map((o) => o.date)).toEqual(['2026-03-06', '2026-03-13', '2026-03-20']);
    // After the spring-forward (2026-03-08) the same local times, now in EDT.
    expect(mine.occurrences[1]).toMatchObject({
      localStart: '22:00',
      localEnd: '08:00',
      start: '2026-03-14T02:00:00.000Z',
    });
    const ben14 = await json<{ occurrences: OccurrenceView[] }>(
      await h.request('GET', '/api/shifts/mine', { as: ben }),
      200,
    );
    expect(ben14.occurrences).toEqual([]);
  });

  let fallback: RingGroupView;

  it('keeps one fallback group at most (409 for a second) and rings it when nobody is on shift', async () => {
    fallback = await json<RingGroupView>(
      await h.request('POST', '/api/ring-groups', {
        as: admin,
        body: { name: 'Backup', isFallback: true, userIds: [cy.id] },
      }),
      201,
    );
    const second = await h.request('POST', '/api/ring-groups', {
      as: admin,
      body: { name: 'Backup 2', isFallback: true },
    });
    expect((await json<{ error: { code: string } }>(second, 409)).error.code).toBe('conflict');
    const other = await json<RingGroupView>(
      await h.request('POST', '/api/ring-groups', { as: admin, body: { name: 'Backup 2' } }),
      201,
    );
    const promote = await h.request('PATCH', `/api/ring-groups/${other.id}`, {
      as: admin,
      body: { isFallback: true },
    });
    expect(promote.status).toBe(409);

    h.setNow(new Date('2026-03-04T15:00:00Z')); // Wednesday: no shift
    expect(await json(await h.request('GET', '/api/shifts/now', { as: ana }), 200)).toMatchObject({
      source: 'fallback',
      userIds: [cy.id],
      includesMe: false,
    });
    expect(await eligibleVolunteers(h.ctx, h.ctx.now())).toMatchObject({
      source: 'fallback',
      userIds: [cy.id],
    });
  });

  it('a shift rings its ring group members too', async () => {
    const team = await json<RingGroupView>(
      await h.request('POST', '/api/ring-groups', { as: admin, body: { name: 'Team', userIds: [ben.id] } }),
      201,
    );
    await json(
      await h.request('PATCH', `/api/shifts/${night.id}`, { as: admin, body: { ringGroupId: team.id } }),
      200,
    );
    const at = new Date('2026-03-07T08:00:00Z');
    expect((await eligibleVolunteers(h.ctx, at)).userIds).toEqual([ana.id, ben.id].sort());
  });

  it('excludes users on break, deactivated or busy, and falls back when none is left', async () => {
    const at = new Date('2026-03-07T08:00:00Z');
    await h.ctx.db.query('update users set on_break = true where id = $1', [ana.id]);
    expect(await eligibleVolunteers(h.ctx, at)).toMatchObject({ source: 'shift', userIds: [ben.id] });
    expect(await eligibleVolunteers(h.ctx, at, new Set([ben.id]))).toMatchObject({
      source: 'shift',
      userIds: [],
    });
    await h.ctx.db.query('update users set active = false where id = $1', [ben.id]);
    expect(await eligibleVolunteers(h.ctx, at)).toMatchObject({ source: 'fallback', userIds: [cy.id] });
    await h.ctx.db.query('update users set on_break = false, active = true where id = any($1::text[])', [
      [ana.id, ben.id],
    ]);
  });

  it('applies exceptions: swap, extra and a holiday, each audited', async () => {
    h.setNow(new Date('2026-03-01T12:00:00Z'));
    const post = (body: Record<string, unknown>) =>
      h.request('POST', '/api/shift-exceptions', { as: admin, body });
    const at = new Date('2026-03-07T08:00:00Z');
    const swap = await json<{ id: string }>(
      await post({
        date: '2026-03-06',
        shiftId: night.id,
        kind: 'swap',
        userOut: ana.id,
        userIn: cy.id,
        note: 'trade',
      }),
      201,
    );
    expect((await eligibleVolunteers(h.ctx, at)).userIds).toEqual([ben.id, cy.id].sort());
    await json(await post({ date: '2026-03-06', shiftId: night.id, kind: 'extra', userIn: ana.id }), 201);
    expect((await eligibleVolunteers(h.ctx, at)).userIds).toEqual([ana.id, ben.id, cy.id].sort());
    // An exception for a day the shift does not start on would never apply.
    expect((await post({ date: '2026-03-07', shiftId: night.id, kind: 'cancel' })).status).toBe(400);
    expect(
      (await post({ date: '2026-03-06', shiftId: night.id, kind: 'extra', userIn: 'ghost' })).status,
    ).toBe(400);
    const holiday = await json<{ id: string }>(
      await post({ date: '2026-03-06', kind: 'cancel', note: 'holiday' }),
      201,
    );
    expect(await eligibleVolunteers(h.ctx, at)).toMatchObject({ source: 'fallback', userIds: [cy.id] });
    const week = await json<{ occurrences: OccurrenceView[]; exceptions: unknown[] }>(
      await h.request('GET', '/api/shifts/week?start=2026-03-02', { as: admin }),
      200,
    );
    expect(week.occurrences.find((o) => o.shiftId === night.id)?.cancelled).toBe(true);
    expect(week.exceptions).toHaveLength(3);
    const listed = await json<{ exceptions: unknown[] }>(
      await h.request('GET', '/api/shift-exceptions?from=2026-03-01&to=2026-03-31', { as: admin }),
      200,
    );
    expect(listed.exceptions).toHaveLength(3);
    expect((await h.request('DELETE', `/api/shift-exceptions/${holiday.id}`, { as: admin })).status).toBe(
      204,
    );
    expect((await h.request('DELETE', `/api/shift-exceptions/${swap.id}`, { as: admin })).status).toBe(204);
    expect((await h.request('DELETE', `/api/shift-exceptions/${swap.id}`, { as: admin })).status).toBe(404);
    const actions = (await listAudit(h.ctx.db, { action: 'shifts.exception.*', limit: 10 })).map(
      (e) => e.action,
    );
    expect(actions).toEqual([
      'shifts.exception.deleted',
      'shifts.exception.deleted',
      'shifts.exception.created',
      'shifts.exception.created',
      'shifts.exception.created',
    ]);
  });

  it('deletes shifts and groups, and the audit chain verifies', async () => {
    expect((await h.request('DELETE', `/api/ring-groups/${fallback.id}`, { as: admin })).status).toBe(204);
    expect((await h.request('DELETE', `/api/shifts/${night.id}`, { as: admin })).status).toBe(204);
    const schedule = await json<{ shifts: ShiftView[] }>(
      await h.request('GET', '/api/shifts', { as: admin }),
      200,
    );
    expect(schedule.shifts.find((s) => s.id === night.id)).toBeUndefined();
    expect(heard.at(-1)).toEqual({ kind: 'shift', action: 'deleted', id: night.id });
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
  });
});
