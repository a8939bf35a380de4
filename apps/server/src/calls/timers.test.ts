import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallServer, fakeCaller, startCallServer, waitFor } from '../../test/calls-helpers.js';
import { tickCallTimers } from './index.js';

/**
 * The tick's other duties, each a state a crash or a silent provider can leave behind:
 * a queued call nobody started ringing, a leg whose provider request never came back, a leg
 * ringing past its deadline, a caller stuck in the menu, an answered call never reported ended.
 */
let s: CallServer;
beforeAll(async () => {
  s = await startCallServer();
});
afterAll(() => s?.close());

const row = async (id: string) => (await s.db.query('select * from calls where id = $1', [id]))[0]!;

describe('call timers and the sweeper', () => {
  it('starts ringing a queued call whose process stopped before ringing it', async () => {
    const v = await s.addUser(['volunteer'], { phone: '+15550121001' });
    await s.putOnShift([v.id]);
    const id = randomUUID();
    const created = new Date(Date.now() - 10_000);
    // As a process would leave it: queued and committed, then gone.
    const fake = s.carrier.api.state.createCall({
      to: s.hotline,
      from: fakeCaller(),
      url: '',
      statusCallback: null,
      statusCallbackEvents: [],
      timeoutSeconds: 60,
    });
    await s.db.query(
      `insert into calls (id, provider, provider_call_id, hotline_number, status, language, queue_deadline, created_at, updated_at)
       values ($1, 'simulator', $2, $3, 'queued', 'en', $4, $5, $5)`,
      [id, fake.sid, s.hotline, new Date(Date.now() + 60_000), created],
    );
    const report = await tickCallTimers(s.ctx, new Date());
    expect(report.rung).toBe(1);
    expect((await row(id)).status).toBe('ringing');
    await waitFor(
      async () =>
        (await s.db.query(`select * from call_legs where call_id = $1 and provider_leg_id is not null`, [id]))
          .length === 1,
      'leg placed',
    );
    await s.settle();
    await s.db.query('delete from shift_assignments');
  });

  it('gives up legs the provider never acknowledged and cancels legs ringing past their deadline', async () => {
    const v = await s.addUser(['volunteer'], { phone: '+15550121002' });
    const id = randomUUID();
    const past = new Date(Date.now() - 5 * 60_000);
    await s.db.query(
      `insert into calls (id, provider, provider_call_id, hotline_number, status, language, queue_deadline, created_at, updated_at)
       values ($1, 'simulator', $2, $3, 'answered', 'en', $4, $4, $4)`,
      [id, `CA${'0'.repeat(31)}1`, s.hotline, past],
    );
    const fakeLeg = s.carrier.api.state.createCall({
      to: '+15550121002',
      from: s.hotline,
      url: 'http://127.0.0.1/x',
      statusCallback: null,
      statusCallbackEvents: [],
      timeoutSeconds: 60,
    });
    await s.db.query(
      `insert into call_legs (id, call_id, user_id, kind, provider_leg_id, status, ring_deadline, created_at) values
        ($1, $3, $4, 'phone', null, 'pending', $5, $5),
        ($2, $3, $4, 'phone', $6, 'ringing', $5, $5)`,
      [randomUUID(), randomUUID(), id, v.id, past, fakeLeg.sid],
    );
    const report = await tickCallTimers(s.ctx, new Date());
    expect(report.legsCancelled).toBe(2);
    const legs = await s.db.query<{ status: string }>(
      'select status from call_legs where call_id = $1 order by status',
      [id],
    );
    expect(legs.map((l) => l.status)).toEqual(['canceled', 'failed']);
    expect(s.carrier.api.call(fakeLeg.sid)?.status).toBe('canceled');
  });

  it('keeps a leg the provider never acknowledged until its ring deadline: its phone may be ringing', async () => {
    const v = await s.addUser(['volunteer'], { phone: '+15550121003' });
    const id = randomUUID();
    const legId = randomUUID();
    const now = Date.now();
    const deadline = new Date(now + 60_000);
    await s.db.query(
      `insert into calls (id, provider, provider_call_id, hotline_number, status, language, queue_deadline, created_at, updated_at)
       values ($1, 'simulator', $2, $3, 'answered', 'en', $4, $5, $5)`,
      [id, `CA${'0'.repeat(31)}4`, s.hotline, deadline, new Date(now - 5 * 60_000)],
    );
    // Placed five minutes ago by a process that stopped before storing the provider's id.
    await s.db.query(
      `insert into call_legs (id, call_id, user_id, kind, provider_leg_id, status, ring_deadline, created_at)
       values ($1, $2, $3, 'phone', null, 'pending', $4, $5)`,
      [legId, id, v.id, deadline, new Date(now - 5 * 60_000)],
    );
    const status = async () =>
      (await s.db.query<{ status: string }>('select status from call_legs where id = $1', [legId]))[0]!
        .status;
    expect((await tickCallTimers(s.ctx, new Date(now))).legsCancelled).toBe(0);
    expect(await status()).toBe('pending');
    // Past its deadline and the grace, it is given up (no provider id: failed, nothing to cancel).
    expect((await tickCallTimers(s.ctx, new Date(now + 91_000))).legsCancelled).toBe(1);
    expect(await status()).toBe('failed');
    await s.db.query(`update calls set status = 'completed', ended_at = $2 where id = $1`, [id, new Date()]);
  });

  it('sweeps callers stuck in the menu and answered calls whose end was never reported', async () => {
    const menu = randomUUID();
    const answered = randomUUID();
    const now = Date.now();
    await s.db.query(
      `insert into calls (id, provider, provider_call_id, hotline_number, status, language, answered_at, created_at, updated_at) values
        ($1, 'simulator', $3, $5, 'arriving', 'en', null, $6, $6),
        ($2, 'simulator', $4, $5, 'answered', 'en', $7, $7, $7)`,
      [
        menu,
        answered,
        `CA${'0'.repeat(31)}2`,
        `CA${'0'.repeat(31)}3`,
        s.hotline,
        new Date(now - 20 * 60_000),
        new Date(now - 13 * 3600_000),
      ],
    );
    const report = await tickCallTimers(s.ctx, new Date(now));
    expect(report.swept).toBe(2);
    expect(await row(menu)).toMatchObject({ status: 'abandoned' });
    expect(await row(answered)).toMatchObject({ status: 'completed' });
    expect((await tickCallTimers(s.ctx, new Date(now))).swept).toBe(0);
  });
});

describe('the server tick', () => {
  it('fires a due deadline by itself every second once running', async () => {
    const id = randomUUID();
    const caller = s.carrier.api.state.createCall({
      to: s.hotline,
      from: fakeCaller(),
      url: '',
      statusCallback: null,
      statusCallbackEvents: [],
      timeoutSeconds: 60,
    });
    s.carrier.api.setCallStatus(caller.sid, 'in-progress');
    const past = new Date(Date.now() - 1000);
    await s.db.query(
      `insert into calls (id, provider, provider_call_id, hotline_number, status, language, queue_deadline, created_at, updated_at)
       values ($1, 'simulator', $2, $3, 'ringing', 'en', $4, $4, $4)`,
      [id, caller.sid, s.hotline, past],
    );
    s.ctx.callTimers.paused = false;
    try {
      const t = performance.now();
      await waitFor(async () => (await row(id)).status === 'voicemail', 'the automatic tick', 5000);
      console.info(
        `timing: automatic tick fired a due deadline after ${(performance.now() - t).toFixed(0)} ms`,
      );
      await waitFor(
        () => s.carrier.api.call(caller.sid)!.redirects.length === 1,
        'the redirect to voicemail',
      );
      await s.settle();
    } finally {
      s.ctx.callTimers.paused = true;
    }
  });
});

describe('history and voicemail routes', () => {
  it('pages and filters the history for calls:read-all; no voicemail is 404; nothing rings for an idle volunteer', async () => {
    const admin = await s.addUser(['admin']);
    const volunteer = await s.addUser(['volunteer']);
    const all = await (await s.request('GET', '/api/calls?limit=2', { as: admin })).json();
    expect(all.calls).toHaveLength(2);
    expect(all.total).toBeGreaterThanOrEqual(3);
    const next = await (await s.request('GET', '/api/calls?limit=2&offset=2', { as: admin })).json();
    expect(next.calls[0].id).not.toBe(all.calls[0].id);
    const swept = await (await s.request('GET', '/api/calls?status=abandoned', { as: admin })).json();
    expect(swept.calls.every((c: { status: string }) => c.status === 'abandoned')).toBe(true);
    expect((await s.request('GET', '/api/calls?status=nope', { as: admin })).status).toBe(400);
    expect((await s.request('GET', '/api/calls', { as: volunteer })).status).toBe(403);
    const without = all.calls.find((c: { hasVoicemail: boolean }) => !c.hasVoicemail);
    const none = await s.request('GET', `/api/calls/${without.id}/voicemail`, { as: admin });
    expect(none.status).toBe(404);
    // A volunteer sees no ringing call that is not ringing for them.
    const active = await (await s.request('GET', '/api/calls/active', { as: volunteer })).json();
    expect(active).toEqual({ ringing: [], mine: null });
  });
});
