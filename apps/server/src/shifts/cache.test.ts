import type { ShiftView } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { eligibleVolunteers } from './views.js';

/**
 * The call queue's kept copy of the schedule (cache.ts): one statement a round while nothing
 * changed, and any change seen at the next read, whether made through this process's routes or
 * straight in the tables (another process, a volunteer's own break toggle).
 */

// 2026-03-06 is a Friday (weekday 4); the hotline's zone is UTC, the default.
const AT = new Date('2026-03-06T12:00:00Z');
const FRI = 4;

describe('the schedule kept for the call queue', () => {
  let h: TestHotline;
  let admin: TestUser;
  let ana: TestUser;
  let ben: TestUser;
  let shift: ShiftView;
  let statements = 0;

  beforeAll(async () => {
    h = await createTestHotline();
    admin = await h.addUser(['admin'], 'Admin');
    ana = await h.addUser(['volunteer'], 'Ana');
    ben = await h.addUser(['volunteer'], 'Ben');
    const res = await h.request('POST', '/api/shifts', {
      as: admin,
      body: { name: 'Friday', weekday: FRI, start: '08:00', durationMinutes: 600, userIds: [ana.id] },
    });
    expect(res.status).toBe(201);
    shift = (await res.json()) as ShiftView;
    const db = h.ctx.db;
    const query = db.query.bind(db);
    db.query = ((...args: Parameters<typeof db.query>) => {
      statements++;
      return query(...args);
    }) as typeof db.query;
  });
  afterAll(async () => {
    await h.close();
  });

  const eligible = async () => {
    const before = statements;
    const who = await eligibleVolunteers(h.ctx, AT);
    return { userIds: who.userIds, reach: who.reach.map((r) => r.id), statements: statements - before };
  };

  it('reads the schedule once, then only its fingerprint while nothing changed', async () => {
    const first = await eligible();
    expect(first.userIds).toEqual([ana.id]);
    expect(first.reach).toEqual([ana.id]);
    for (let i = 0; i < 3; i++) expect(await eligible()).toEqual({ ...first, statements: 1 });
  });

  it('sees a change made through this process at once', async () => {
    await eligible();
    const res = await h.request('PATCH', `/api/shifts/${shift.id}`, {
      as: admin,
      body: { userIds: [ana.id, ben.id] },
    });
    expect(res.status).toBe(200);
    expect((await eligible()).userIds).toEqual([ana.id, ben.id].sort());
  });

  it('sees changes written straight to the tables at once (another process, a break toggle)', async () => {
    await eligible();
    await h.ctx.db.query('update users set on_break = true where id = $1', [ana.id]);
    expect((await eligible()).userIds).toEqual([ben.id]);
    await h.ctx.db.query('update users set on_break = false where id = $1', [ana.id]);
    await h.ctx.db.query(`update users set call_preference = 'browser' where id = $1`, [ben.id]);
    const who = await eligibleVolunteers(h.ctx, AT);
    expect(who.reach.find((r) => r.id === ben.id)?.callPreference).toBe('browser');
    await h.ctx.db.query('delete from shift_assignments where user_id = $1', [ben.id]);
    expect((await eligible()).userIds).toEqual([ana.id]);
    await h.ctx.db.query(
      `insert into shift_exceptions (id, date, shift_id, kind, user_out, user_in, created_at)
       values ('x1', '2026-03-06', $1, 'swap', $2, $3, now())`,
      [shift.id, ana.id, ben.id],
    );
    expect((await eligible()).userIds).toEqual([ben.id]);
  });
});
