import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserAnsweredCall,
  type CallServer,
  testSdp as sdp,
  startCallServer,
} from '../../test/calls-helpers.js';
import type { TestUser } from '../../test/helpers.js';

/**
 * Silent supervision of a browser call: off by default (refused, and the volunteer's card is told
 * it is off), one admin at a time with calls:supervise, never a volunteer; the volunteer's browser
 * learns of the listener and answers once; start and stop are audited; a call that ends or is
 * transferred ends the listening.
 */

let s: CallServer;
beforeAll(async () => {
  s = await startCallServer();
});
afterAll(() => s?.close());

const setSupervision = (on: boolean) =>
  s.setSettings((x) => ({ ...x, calls: { ...x.calls, silentSupervision: on } }));

async function browserCall(tag: string, roles = ['volunteer']) {
  const vol = await s.addUser(roles, { preference: 'browser', name: `Vol ${tag}` });
  await s.putOnShift([vol.id]);
  const { caller, callId } = await browserAnsweredCall(s, vol, sdp(`${tag}-caller`));
  const req = (method: string, suffix: string, as: TestUser, body?: unknown) =>
    s.request(method, `/api/calls/${callId}/supervision${suffix}`, { as, body });
  return { vol, caller, callId, req };
}

const audits = async (action: string, callId: string) =>
  (
    await s.db.query<{ n: number }>(
      'select count(*)::int as n from audit_log where action = $1 and target = $2',
      [action, `call:${callId}`],
    )
  )[0]!.n;

describe('silent supervision of a browser call', () => {
  it('is off by default: refused, and the volunteer is told it is off', async () => {
    const admin = await s.addUser(['admin']);
    const { vol, callId, req } = await browserCall('s0');
    expect((await req('POST', '', admin, { sdp: sdp('admin') })).status).toBe(403);
    expect(await (await s.request('GET', '/api/calls/supervision/live', { as: admin })).json()).toEqual({
      enabled: false,
      iceServers: [],
      calls: [],
    });
    expect(await (await req('GET', '/request', vol)).json()).toEqual({
      enabled: false,
      offer: null,
      listening: false,
      iceServers: [],
    });
    expect(await audits('calls.supervision-started', callId)).toBe(0);
  });

  it('lets one admin listen when on, the volunteer answers once, audited start and stop', async () => {
    await setSupervision(true);
    const admin = await s.addUser(['admin'], { name: 'Ada Admin' });
    const other = await s.addUser(['admin']);
    const { vol, callId, req } = await browserCall('s1');
    const live = await (await s.request('GET', '/api/calls/supervision/live', { as: admin })).json();
    expect(live.enabled).toBe(true);
    expect(live.calls).toContainEqual(expect.objectContaining({ callId, volunteerName: 'Vol s1' }));
    // A volunteer may not listen; bad input is 400.
    expect((await req('POST', '', vol, { sdp: sdp('vol') })).status).toBe(403);
    expect((await req('POST', '', admin, { sdp: 'not a description' })).status).toBe(400);
    expect((await req('POST', '', admin, { sdp: sdp('a'), extra: true })).status).toBe(400);

    expect(await (await req('GET', '/request', vol)).json()).toMatchObject({
      enabled: true,
      listening: false,
    });
    expect((await req('POST', '', admin, { sdp: sdp('admin') })).status).toBe(204);
    // One listener at a time.
    expect((await req('POST', '', other, { sdp: sdp('other') })).status).toBe(409);
    expect(await audits('calls.supervision-started', callId)).toBe(1);

    // The volunteer's browser sees the offer, answers once; then it shows "listening" only.
    expect(await (await req('GET', '/request', vol)).json()).toEqual({
      enabled: true,
      offer: sdp('admin'),
      listening: true,
      iceServers: [],
    });
    expect(await (await req('GET', '', admin)).json()).toEqual({ active: true, answer: null });
    expect((await req('POST', '/answer', vol, { sdp: 'x' })).status).toBe(400);
    expect((await req('POST', '/answer', vol, { sdp: sdp('vol') })).status).toBe(204);
    expect((await req('POST', '/answer', vol, { sdp: sdp('vol2') })).status).toBe(409);
    expect(await (await req('GET', '', admin)).json()).toEqual({ active: true, answer: sdp('vol') });
    expect(await (await req('GET', '', other)).json()).toEqual({ active: false, answer: null });
    expect(await (await req('GET', '/request', vol)).json()).toMatchObject({ offer: null, listening: true });

    // Only the admin listening may stop it; then the volunteer's card no longer says so.
    expect((await req('POST', '/stop', other)).status).toBe(409);
    expect((await req('POST', '/stop', admin)).status).toBe(204);
    expect(await audits('calls.supervision-stopped', callId)).toBe(1);
    expect(await (await req('GET', '/request', vol)).json()).toMatchObject({ listening: false });
    expect((await req('POST', '/stop', admin)).status).toBe(409);
  });

  it("ends with the call, and refuses one's own call", async () => {
    await setSupervision(true);
    const admin = await s.addUser(['admin']);
    const { vol, caller, callId, req } = await browserCall('s2');
    expect((await req('POST', '', admin, { sdp: sdp('admin') })).status).toBe(204);
    await s.carrier.hangUp(caller.sid);
    await s.settle();
    expect(await (await req('GET', '', admin)).json()).toEqual({ active: false, answer: null });
    expect((await req('POST', '', admin, { sdp: sdp('again') })).status).toBe(409);
    // The listening stopped with the call, and the log says so once.
    expect(await audits('calls.supervision-stopped', callId)).toBe(1);
    // The volunteer's card, still asking after the end, is told nothing is going on.
    expect(await (await req('GET', '/request', vol)).json()).toMatchObject({ offer: null, listening: false });
    expect((await req('POST', '/answer', vol, { sdp: sdp('late') })).status).toBe(409);
    // An admin who answered the call in the browser may not listen to it as well.
    const own = await browserCall('s3', ['admin']);
    expect((await own.req('POST', '', own.vol, { sdp: sdp('x') })).status).toBe(409);
  });
});
