import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserAnsweredCall,
  type CallServer,
  callerRings,
  testSdp as sdp,
  startCallServer,
} from '../../test/calls-helpers.js';

/**
 * Cold transfer of a browser call on the simulated carrier: the targets are the free members on
 * shift who answer in the browser, only the volunteer on the call may transfer, the call changes
 * hands once (audited), and the caller's audio is offered afresh to the new volunteer only.
 */

let s: CallServer;
beforeAll(async () => {
  s = await startCallServer();
});
afterAll(() => s?.close());

describe('cold transfer of a browser call', () => {
  it('hands the caller to a free member on shift in the browser, once, audited', async () => {
    const first = await s.addUser(['volunteer'], { preference: 'browser', name: 'Ana First' });
    const second = await s.addUser(['volunteer'], {
      preference: 'both',
      name: 'Bea Second',
      phone: '+15550001111',
    });
    const phoneOnly = await s.addUser(['volunteer'], {
      preference: 'phone',
      name: 'Cy Phone',
      phone: '+15550002222',
    });
    await s.putOnShift([first.id, second.id, phoneOnly.id]);
    const { caller, callId } = await callerRings(s);
    s.carrier.audio.setOffer(caller.sid, sdp('1'));
    // Nobody has answered yet: nothing to transfer.
    expect((await s.request('GET', `/api/calls/${callId}/transfer-targets`, { as: first })).status).toBe(409);
    expect((await s.request('POST', `/api/calls/${callId}/answer`, { as: first })).status).toBe(200);
    await s.settle();
    s.carrier.audio.setAnswer(caller.sid, sdp('2'));

    const targets = await s.request('GET', `/api/calls/${callId}/transfer-targets`, { as: first });
    expect(await targets.json()).toEqual({ targets: [{ id: second.id, displayName: 'Bea Second' }] });
    // Only the volunteer on the call may transfer it or see whom to.
    expect((await s.request('GET', `/api/calls/${callId}/transfer-targets`, { as: second })).status).toBe(
      403,
    );
    const transfer = (as: typeof first, body: unknown) =>
      s.request('POST', `/api/calls/${callId}/transfer`, { as, body });
    expect((await transfer(second, { to: second.id })).status).toBe(403);
    expect((await transfer(first, { to: second.id, extra: 1 })).status).toBe(400);
    // Not a target: a phone-only member, oneself.
    expect((await transfer(first, { to: phoneOnly.id })).status).toBe(400);
    expect((await transfer(first, { to: first.id })).status).toBe(400);

    expect((await transfer(first, { to: second.id })).status).toBe(204);
    const [row] = await s.db.query<{ answered_by: string }>('select answered_by from calls where id = $1', [
      callId,
    ]);
    expect(row!.answered_by).toBe(second.id);
    // The first volunteer's leg has ended: they are free for the next call.
    const legs = await s.db.query<{ status: string }>(
      `select status from call_legs where call_id = $1 and user_id = $2 and kind = 'browser'`,
      [callId, first.id],
    );
    expect(legs.map((l) => l.status)).toEqual(['completed']);
    const audits = await s.db.query<{ details: Record<string, unknown> }>(
      `select details from audit_log where action = 'calls.transferred' and target = $1`,
      [`call:${callId}`],
    );
    expect(audits.map((a) => a.details)).toEqual([{ callId, from: first.id, to: second.id }]);

    // The caller's audio starts again, for the new volunteer only.
    expect(s.carrier.audio.roundOf(caller.sid)).toBe(1);
    expect(s.carrier.phones.get(caller.sid)!.bridgedTo).toBe(`browser:${second.id}`);
    expect(s.carrier.audio.setOffer(caller.sid, sdp('3'))).toBe(true);
    const offered = await s.request('GET', `/api/calls/${callId}/webrtc/offer`, { as: second });
    expect((await offered.json()).offer).toBe(sdp('3'));
    expect((await s.request('GET', `/api/calls/${callId}/webrtc/offer`, { as: first })).status).toBe(403);
    // The first volunteer cannot transfer it again.
    expect((await transfer(first, { to: second.id })).status).toBe(403);
  });

  it('refuses to transfer a call whose caller has no browser audio, and leaves it where it was', async () => {
    const first = await s.addUser(['volunteer'], { preference: 'browser', name: 'Dee First' });
    const second = await s.addUser(['volunteer'], { preference: 'browser', name: 'Eve Second' });
    await s.putOnShift([first.id, second.id]);
    const { caller, callId } = await browserAnsweredCall(s, first);
    const res = await s.request('POST', `/api/calls/${callId}/transfer`, {
      as: first,
      body: { to: second.id },
    });
    expect(res.status).toBe(409);
    const [row] = await s.db.query<{ answered_by: string }>('select answered_by from calls where id = $1', [
      callId,
    ]);
    expect(row!.answered_by).toBe(first.id);
    expect(s.carrier.phones.get(caller.sid)!.bridgedTo).toBe(`browser:${first.id}`);
  });
});
