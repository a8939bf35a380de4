import type { HubEventPayload } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserAnsweredCall,
  type CallServer,
  testSdp as sdp,
  startCallServer,
} from '../../test/calls-helpers.js';
import type { TestUser } from '../../test/helpers.js';

/**
 * Warm transfer of a browser call on the simulated carrier: the volunteer on the call asks a free
 * colleague on shift, the caller goes on hold, the colleague accepts once (two tabs racing: one
 * wins) or declines, the two connect over their own offer and answer, and "hand over" moves the
 * call (compare-and-set, audited) while "cancel" returns to the caller. A caller hanging up ends
 * the consult for both.
 */

let s: CallServer;
/** The warm-transfer hub events published, in order (the relay carries them encrypted to every member). */
const invites: HubEventPayload[] = [];
beforeAll(async () => {
  s = await startCallServer();
  s.ctx.events.on('call:announced', (payload) => {
    if (payload.type === 'call:transfer-invite') invites.push(payload);
  });
});
afterAll(() => s?.close());

/** A call answered in the browser by a new volunteer, with browser audio, and two free colleagues on shift. */
async function answeredCall(tag: string) {
  const first = await s.addUser(['volunteer'], { preference: 'browser', name: `Ana ${tag}` });
  const second = await s.addUser(['volunteer'], { preference: 'browser', name: `Bea ${tag}` });
  const third = await s.addUser(['volunteer'], {
    preference: 'both',
    name: `Cy ${tag}`,
    phone: '+15550003333',
  });
  await s.putOnShift([first.id, second.id, third.id]);
  const { caller, callId } = await browserAnsweredCall(s, first, sdp(`${tag}-caller`));
  s.carrier.audio.setAnswer(caller.sid, sdp(`${tag}-first`));
  const path = (suffix = '') => `/api/calls/${callId}/warm-transfer${suffix}`;
  const post = (as: TestUser, suffix: string, body?: unknown) =>
    s.request('POST', path(suffix), { as, body });
  const status = async (as: TestUser) => (await s.request('GET', path(), { as })).json();
  return { first, second, third, caller, callId, post, status };
}

const auditsOf = async (action: string, callId: string) =>
  (
    await s.db.query<{ details: Record<string, unknown> }>(
      'select details from audit_log where action = $1 and target = $2 order by seq',
      [action, `call:${callId}`],
    )
  ).map((a) => a.details);

describe('warm transfer of a browser call', () => {
  it('asks, holds the caller, connects the two, then hands over once (audited)', async () => {
    const { first, second, third, caller, callId, post, status } = await answeredCall('w1');
    // Bad input and the wrong people.
    expect((await post(first, '', { to: second.id })).status).toBe(400);
    expect((await post(first, '', { to: second.id, sdp: 'hello' })).status).toBe(400);
    expect((await post(first, '', { to: second.id, sdp: sdp('x'), extra: 1 })).status).toBe(400);
    expect((await post(second, '', { to: third.id, sdp: sdp('x') })).status).toBe(403);
    expect((await post(first, '', { to: first.id, sdp: sdp('x') })).status).toBe(400);
    expect((await post(first, '/hand-over')).status).toBe(409);

    invites.length = 0;
    expect((await post(first, '', { to: second.id, sdp: sdp('consult') })).status).toBe(204);
    // The colleague's browser hears of it at once: ids only (no name, offer or caller digits).
    expect(invites).toEqual([{ type: 'call:transfer-invite', callId, to: second.pubkey }]);
    // One consult at a time.
    expect((await post(first, '', { to: third.id, sdp: sdp('again') })).status).toBe(409);
    expect(s.carrier.audio.heldOf(caller.sid)).toBe(true);
    expect(await auditsOf('calls.transfer-warm-started', callId)).toEqual([
      { callId, from: first.id, to: second.id },
    ]);
    expect(await status(first)).toEqual({ state: 'asking', answer: null, iceServers: [] });

    // The colleague's card: who asks, with the offer; nobody else is asked.
    const incoming = async (as: TestUser) =>
      (await (await s.request('GET', '/api/calls/transfers/incoming', { as })).json()).invite;
    expect(await incoming(second)).toEqual({
      callId,
      fromName: 'Ana w1',
      offer: sdp('consult'),
      iceServers: [],
    });
    expect(await incoming(third)).toBeNull();
    // Only the colleague asked may accept or decline; not before accepting may it be handed over.
    expect((await post(third, '/accept', { sdp: sdp('third') })).status).toBe(403);
    expect((await post(third, '/decline')).status).toBe(403);
    expect((await post(second, '/accept', { sdp: 'nope' })).status).toBe(400);
    expect((await post(first, '/hand-over')).status).toBe(409);

    // Two tabs of the colleague accept at once: one wins.
    const both = await Promise.all([
      post(second, '/accept', { sdp: sdp('tab1') }),
      post(second, '/accept', { sdp: sdp('tab2') }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([204, 409]);
    // Failed attempts asked nobody; the accept tells the colleague's other tabs.
    expect(invites).toEqual([
      { type: 'call:transfer-invite', callId, to: second.pubkey },
      { type: 'call:transfer-invite', callId, to: second.pubkey },
    ]);
    const answered = await status(first);
    expect(answered.state).toBe('talking');
    expect([sdp('tab1'), sdp('tab2')]).toContain(answered.answer);
    // The colleague sees the state, never their own answer echoed; others see nothing.
    expect(await status(second)).toEqual({ state: 'talking', answer: null, iceServers: [] });
    expect(await status(third)).toEqual({ state: 'none', answer: null, iceServers: [] });
    expect((await post(second, '/decline')).status).toBe(409);
    expect((await post(second, '/hand-over')).status).toBe(403);

    expect((await post(first, '/hand-over')).status).toBe(204);
    expect(invites).toHaveLength(3);
    expect(s.logs.join('')).not.toMatch(/hub event not published/);
    const [row] = await s.db.query<{ answered_by: string }>('select answered_by from calls where id = $1', [
      callId,
    ]);
    expect(row!.answered_by).toBe(second.id);
    expect(await auditsOf('calls.transferred', callId)).toEqual([{ callId, from: first.id, to: second.id }]);
    // The caller is off hold and offers its audio to the colleague only.
    expect(s.carrier.audio.heldOf(caller.sid)).toBe(false);
    expect(s.carrier.phones.get(caller.sid)!.bridgedTo).toBe(`browser:${second.id}`);
    expect(await status(second)).toEqual({ state: 'none', answer: null, iceServers: [] });
    expect((await post(first, '/hand-over')).status).toBe(403);
  });

  it('lets the colleague decline, and the volunteer return to the caller', async () => {
    const { first, second, third, caller, callId, post, status } = await answeredCall('w2');
    invites.length = 0;
    expect((await post(first, '', { to: second.id, sdp: sdp('ask') })).status).toBe(204);
    expect((await post(second, '/decline')).status).toBe(204);
    expect(await status(first)).toEqual({ state: 'declined', answer: null, iceServers: [] });
    expect((await post(second, '/accept', { sdp: sdp('late') })).status).toBe(409);
    expect((await post(first, '/hand-over')).status).toBe(409);
    // Another colleague may be asked after a decline.
    expect((await post(first, '', { to: third.id, sdp: sdp('ask2') })).status).toBe(204);
    expect((await post(first, '/cancel')).status).toBe(204);
    // Asked and declined (second); asked and cancelled (third): each change told to the one asked.
    expect(invites.map((e) => (e.type === 'call:transfer-invite' ? e.to : null))).toEqual([
      second.pubkey,
      second.pubkey,
      third.pubkey,
      third.pubkey,
    ]);
    expect(s.carrier.audio.heldOf(caller.sid)).toBe(false);
    expect(await status(first)).toEqual({ state: 'none', answer: null, iceServers: [] });
    expect((await post(third, '/accept', { sdp: sdp('gone') })).status).toBe(404);
    const [row] = await s.db.query<{ answered_by: string }>('select answered_by from calls where id = $1', [
      callId,
    ]);
    expect(row!.answered_by).toBe(first.id);
    expect(await auditsOf('calls.resumed', callId)).toHaveLength(1);
  });

  it('ends the consult when the caller hangs up', async () => {
    const { first, second, caller, post, status } = await answeredCall('w3');
    expect((await post(first, '', { to: second.id, sdp: sdp('ask') })).status).toBe(204);
    await s.carrier.hangUp(caller.sid);
    await s.settle();
    expect(
      (await (await s.request('GET', '/api/calls/transfers/incoming', { as: second })).json()).invite,
    ).toBe(null);
    expect((await post(second, '/accept', { sdp: sdp('late') })).status).toBe(404);
    expect(await status(first)).toEqual({ state: 'none', answer: null, iceServers: [] });
    expect((await post(first, '/hand-over')).status).toBe(409);
  });

  it('refuses a call whose caller has no browser audio, and asks nobody', async () => {
    const first = await s.addUser(['volunteer'], { preference: 'browser', name: 'Dee w4' });
    const second = await s.addUser(['volunteer'], { preference: 'browser', name: 'Eve w4' });
    await s.putOnShift([first.id, second.id]);
    const { callId } = await browserAnsweredCall(s, first);
    const res = await s.request('POST', `/api/calls/${callId}/warm-transfer`, {
      as: first,
      body: { to: second.id, sdp: sdp('ask') },
    });
    expect(res.status).toBe(409);
    expect(
      (await (await s.request('GET', '/api/calls/transfers/incoming', { as: second })).json()).invite,
    ).toBe(null);
  });
});
