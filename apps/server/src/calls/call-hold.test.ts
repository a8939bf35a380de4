import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserAnsweredCall,
  type CallServer,
  testSdp as sdp,
  startCallServer,
} from '../../test/calls-helpers.js';

/**
 * Hold on the active-call card for a call answered in the browser on the simulated carrier: only
 * the volunteer who won the call may hold it, the carrier tells the caller's page (hold music,
 * microphone not sent), each change is audited once, and a call with no browser audio is 409.
 */

let s: CallServer;
beforeAll(async () => {
  s = await startCallServer();
});
afterAll(() => s?.close());

const simulatorState = async () =>
  (await (await fetch(`${s.url}/api/simulator/state`)).json()) as {
    callers: { sid: string; heldByVolunteer: boolean; heard: string[] }[];
  };

async function answeredCall(withAudio: boolean) {
  const web = await s.addUser(['volunteer'], { preference: 'browser', name: 'Web' });
  const other = await s.addUser(['volunteer'], { preference: 'browser', name: 'Other' });
  await s.putOnShift([web.id, other.id]);
  const { caller, callId } = await browserAnsweredCall(s, web, withAudio ? sdp('1') : undefined);
  return { web, other, caller, callId };
}

const holdAudits = async (callId: string) =>
  (
    await s.db.query<{ action: string }>(
      `select action from audit_log where target = $1 and action in ('calls.held', 'calls.resumed') order by seq`,
      [`call:${callId}`],
    )
  ).map((r) => r.action);

describe('hold on a browser call', () => {
  it('holds and resumes for the winner only, tells the caller page, audits each change', async () => {
    const { web, other, caller, callId } = await answeredCall(true);
    const hold = (as: typeof web, onHold: unknown) =>
      s.request('POST', `/api/calls/${callId}/hold`, { as, body: { onHold } });

    expect((await hold(other, true)).status).toBe(403);
    expect((await hold(web, 'yes')).status).toBe(400);

    const held = await hold(web, true);
    expect(held.status).toBe(200);
    expect(await held.json()).toEqual({ onHold: true });
    let phone = (await simulatorState()).callers.find((p) => p.sid === caller.sid)!;
    expect(phone.heldByVolunteer).toBe(true);
    expect(phone.heard).toContain('(on hold by the volunteer)');
    // Holding again changes nothing and is not audited twice.
    expect(await (await hold(web, true)).json()).toEqual({ onHold: true });

    expect(await (await hold(web, false)).json()).toEqual({ onHold: false });
    phone = (await simulatorState()).callers.find((p) => p.sid === caller.sid)!;
    expect(phone.heldByVolunteer).toBe(false);
    expect(await holdAudits(callId)).toEqual(['calls.held', 'calls.resumed']);

    // Once the call has ended there is nothing to hold.
    expect((await s.request('POST', `/api/calls/${callId}/hangup`, { as: web })).status).toBe(200);
    await s.settle();
    expect((await hold(web, true)).status).toBe(409);
  });

  it('refuses to hold a call whose caller has no browser audio (409)', async () => {
    const { web, callId } = await answeredCall(false);
    const res = await s.request('POST', `/api/calls/${callId}/hold`, { as: web, body: { onHold: true } });
    expect(res.status).toBe(409);
    expect(await holdAudits(callId)).toEqual([]);
  });
});
