import { randomUUID } from 'node:crypto';
import { CallQueueBoardSchema } from '@llamenos/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type CallServer, fakeCaller, startCallServer, waitFor } from '../../test/calls-helpers.js';
import type { SimPhone } from '../simulator/carrier.js';
import { tickCallTimers } from './index.js';
import { runQueue } from './ringing.js';

/**
 * The call queue through the simulated carrier (ringing.ts, queue.ts): a volunteer rings for
 * one call at a time, the longest-waiting caller first, and is offered the next waiting call as
 * soon as theirs is answered, abandoned or sent to voicemail.
 */
const servers: CallServer[] = [];
const start = async () => {
  const s = await startCallServer();
  servers.push(s);
  return s;
};
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** Who rings for what, from the database: call id → user ids with a live leg on it. */
async function ringingByCall(s: CallServer): Promise<Map<string, string[]>> {
  const rows = await s.db.query<{ call_id: string; user_id: string }>(
    `select call_id, user_id from call_legs where status in ('pending', 'queued', 'ringing') order by user_id`,
  );
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.call_id, [...(out.get(r.call_id) ?? []), r.user_id]);
  return out;
}

/** The volunteers' phones ringing at the carrier, by the phone's last four digits. */
function ringingPhonesByNumber(s: CallServer): Map<string, SimPhone[]> {
  const out = new Map<string, SimPhone[]>();
  for (const p of s.carrier.phones.values())
    if (p.role === 'leg' && (p.status === 'ringing' || p.status === 'queued'))
      out.set(p.toLast4, [...(out.get(p.toLast4) ?? []), p]);
  return out;
}

/** Every volunteer rings for one call at most, in the database and at the carrier. */
async function expectOneCallPerVolunteer(s: CallServer): Promise<void> {
  const users = [...(await ringingByCall(s)).values()].flat();
  expect(new Set(users).size).toBe(users.length);
  for (const [, phones] of ringingPhonesByNumber(s)) expect(phones).toHaveLength(1);
}

const callIdOf = async (s: CallServer, caller: SimPhone) =>
  (await s.db.query<{ id: string }>('select id from calls where provider_call_id = $1', [caller.sid]))[0]!.id;
const statusOf = async (s: CallServer, callId: string) =>
  (await s.db.query<{ status: string }>('select status from calls where id = $1', [callId]))[0]!.status;
const legSidOf = async (s: CallServer, callId: string, userId: string) =>
  (
    await s.db.query<{ provider_leg_id: string }>(
      `select provider_leg_id from call_legs where call_id = $1 and user_id = $2 and status in ('queued', 'ringing')`,
      [callId, userId],
    )
  )[0]!.provider_leg_id;

/** Places calls one after another (so each is older than the next) and waits for the queue. */
async function placeCalls(s: CallServer, n: number): Promise<{ caller: SimPhone; id: string }[]> {
  const calls = [];
  for (let i = 0; i < n; i++) {
    const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    calls.push({ caller, id: await callIdOf(s, caller) });
  }
  return calls;
}

describe('the call queue', { timeout: 90_000 }, () => {
  it('with more calls than volunteers, rings each volunteer for one call; freed volunteers take the oldest caller next', async () => {
    const s = await start();
    const a = await s.addUser(['volunteer'], { phone: '+15550170001' });
    const b = await s.addUser(['volunteer'], { phone: '+15550170002' });
    await s.putOnShift([a.id, b.id]);
    const [c1, c2, c3] = await placeCalls(s, 3);
    // c1 rings both (a small line rings everyone); c2 and c3 wait: nobody is moved mid-ring.
    let ringing = await ringingByCall(s);
    expect(ringing.get(c1!.id)!.sort()).toEqual([a.id, b.id].sort());
    expect(ringing.get(c2!.id)).toBeUndefined();
    expect(ringing.get(c3!.id)).toBeUndefined();
    expect(await statusOf(s, c3!.id)).toBe('ringing'); // in the queue, waiting for a volunteer
    await expectOneCallPerVolunteer(s);

    // a answers c1: b's leg there is cancelled and b is offered the oldest waiting call, c2.
    await s.carrier.answer(await legSidOf(s, c1!.id, a.id));
    await s.settle();
    expect(await statusOf(s, c1!.id)).toBe('answered');
    ringing = await ringingByCall(s);
    expect(ringing.get(c2!.id)).toEqual([b.id]);
    expect(ringing.get(c3!.id)).toBeUndefined();
    await expectOneCallPerVolunteer(s);

    // c2's caller hangs up while b rings: b is offered c3 at once.
    await s.carrier.hangUp(c2!.caller.sid);
    await s.settle();
    expect(await statusOf(s, c2!.id)).toBe('abandoned');
    expect((await ringingByCall(s)).get(c3!.id)).toEqual([b.id]);
    await expectOneCallPerVolunteer(s);
  });

  it('offers the losers of an answered call the next waiting call, and the winner once their call ends', async () => {
    const s = await start();
    const users = [];
    for (let i = 0; i < 3; i++) users.push(await s.addUser(['volunteer'], { phone: `+1555017100${i}` }));
    await s.putOnShift(users.map((u) => u.id));
    const [c1, c2] = await placeCalls(s, 2);
    let ringing = await ringingByCall(s);
    expect(ringing.get(c1!.id)).toHaveLength(3);
    expect(ringing.get(c2!.id)).toBeUndefined();

    const [winner, ...losers] = ringing.get(c1!.id)!;
    await s.carrier.answer(await legSidOf(s, c1!.id, winner!));
    await s.settle();
    expect(await statusOf(s, c1!.id)).toBe('answered');
    ringing = await ringingByCall(s);
    expect(ringing.get(c2!.id)!.sort()).toEqual(losers.sort());
    await expectOneCallPerVolunteer(s);

    // The answered call ends: its volunteer is free again and rings for the call still waiting.
    await s.carrier.hangUp(c1!.caller.sid);
    await s.settle();
    expect((await ringingByCall(s)).get(c2!.id)).toHaveLength(3);
    await expectOneCallPerVolunteer(s);
  });

  it('offers a freed volunteer the next call only once their old leg is cancelled at the provider', async () => {
    const s = await start();
    const a = await s.addUser(['volunteer'], { phone: '+15550175001' });
    const b = await s.addUser(['volunteer'], { phone: '+15550175002' });
    await s.putOnShift([a.id, b.id]);
    const [c1, c2] = await placeCalls(s, 2);
    const bLeg = await legSidOf(s, c1!.id, b.id);
    // The provider is slow to take the cancel of b's leg on c1.
    s.carrier.api.delayNext({ ms: 1500, method: 'POST', pathIncludes: `/Calls/${bLeg}.json` });
    const answering = s.carrier.answer(await legSidOf(s, c1!.id, a.id));
    await waitFor(
      async () =>
        (
          await s.db.query(`select 1 from call_legs where provider_leg_id = $1 and status = 'canceled'`, [
            bLeg,
          ])
        ).length === 1,
      "b's leg on c1 closed",
    );
    // While the cancel is on its way b's phone may still ring for c1: a round run now (the tick,
    // or another process) must not offer b c2 yet.
    await tickCallTimers(s.ctx);
    expect((await ringingByCall(s)).get(c2!.id)).toBeUndefined();
    await answering;
    await s.settle();
    expect((await ringingByCall(s)).get(c2!.id)).toEqual([b.id]);
    expect(s.carrier.api.call(bLeg)?.status).toBe('canceled');
  });

  it('does not offer a volunteer whose leg still rings for a call that has just ended', async () => {
    const s = await start();
    const a = await s.addUser(['volunteer'], { phone: '+15550176001' });
    await s.putOnShift([a.id]);
    // As finishCall leaves it for a moment: the call ended, its legs not closed yet.
    const ended = randomUUID();
    const past = new Date(Date.now() - 5000);
    await s.db.query(
      `insert into calls (id, provider, provider_call_id, hotline_number, status, language, created_at, updated_at, ended_at)
       values ($1, 'simulator', $2, $3, 'abandoned', 'en', $4, $4, now())`,
      [ended, `CA${'7'.repeat(32)}`, s.hotline, past],
    );
    await s.db.query(
      `insert into call_legs (id, call_id, user_id, kind, provider_leg_id, status, ring_deadline, created_at)
       values ($1, $2, $3, 'phone', $4, 'ringing', now() + interval '1 minute', $5)`,
      [randomUUID(), ended, a.id, `CA${'8'.repeat(32)}`, past],
    );
    const [c2] = await placeCalls(s, 1);
    await runQueue(s.ctx);
    expect((await ringingByCall(s)).get(c2!.id)).toBeUndefined();
  });

  it('serves the longest-waiting caller first when a volunteer comes free', async () => {
    const s = await start();
    const a = await s.addUser(['volunteer'], { phone: '+15550172001' });
    const calls = await placeCalls(s, 3); // nobody on shift: all three wait
    expect((await ringingByCall(s)).size).toBe(0);
    await s.putOnShift([a.id]);
    await tickCallTimers(s.ctx);
    await s.settle();
    expect([...(await ringingByCall(s)).keys()]).toEqual([calls[0]!.id]);
    await s.carrier.hangUp(calls[0]!.caller.sid);
    await s.settle();
    expect([...(await ringingByCall(s)).keys()]).toEqual([calls[1]!.id]);
  });

  it('sends a call to voicemail at its deadline, ringing or waiting, and offers its volunteer the next call', async () => {
    const s = await start();
    const a = await s.addUser(['volunteer'], { phone: '+15550173001' });
    await s.putOnShift([a.id]);
    const [c1, c2] = await placeCalls(s, 2);
    expect([...(await ringingByCall(s)).keys()]).toEqual([c1!.id]);
    const [row] = await s.db.query<{ queue_deadline: Date }>(
      'select queue_deadline from calls where id = $1',
      [c1!.id],
    );
    // c1's deadline (c2 arrived later, so its own deadline is still ahead).
    const report = await tickCallTimers(s.ctx, new Date(row!.queue_deadline));
    expect(report.voicemail).toBe(1);
    await s.settle();
    expect(await statusOf(s, c1!.id)).toBe('voicemail');
    await waitFor(async () => (await ringingByCall(s)).get(c2!.id)?.[0] === a.id, 'a rings for c2');
    await expectOneCallPerVolunteer(s);

    // The waiting caller's deadline passes too: voicemail, whoever rang or not.
    const [row2] = await s.db.query<{ queue_deadline: Date }>(
      'select queue_deadline from calls where id = $1',
      [c2!.id],
    );
    expect((await tickCallTimers(s.ctx, new Date(row2!.queue_deadline))).voicemail).toBe(1);
    await s.settle();
    expect(await statusOf(s, c2!.id)).toBe('voicemail');
    expect((await ringingByCall(s)).size).toBe(0);
  });

  it('shows admins the queue: waiting callers with position and wait, who rings, who is on a call', async () => {
    const s = await start();
    const admin = await s.addUser(['admin'], { name: 'Admin' });
    const a = await s.addUser(['volunteer'], { phone: '+15550174001' });
    const b = await s.addUser(['volunteer'], { phone: '+15550174002' });
    await s.putOnShift([a.id, b.id]);
    const [c1, c2] = await placeCalls(s, 2);
    await s.carrier.answer(await legSidOf(s, c1!.id, a.id));
    await s.settle();

    const res = await s.request('GET', '/api/calls/queue', { as: admin });
    expect(res.status).toBe(200);
    const board = CallQueueBoardSchema.parse(await res.json());
    expect(board.waiting.map((w) => [w.callId, w.position, w.ringing])).toEqual([[c2!.id, 1, [b.id]]]);
    expect(board.waiting[0]!.callerLast4).toMatch(/^\d{4}$/);
    expect(board.waiting[0]!.waitingSeconds).toBeGreaterThanOrEqual(0);
    expect(board.onCalls).toEqual([{ callId: c1!.id, answeredBy: a.id, answeredAt: expect.any(String) }]);
    // Volunteers do not see the board.
    expect((await s.request('GET', '/api/calls/queue', { as: a })).status).toBe(403);
  });
});
