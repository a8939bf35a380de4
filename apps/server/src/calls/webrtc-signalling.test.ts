import { SDP_MAX_CHARS } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallServer, fakeCaller, startCallServer } from '../../test/calls-helpers.js';
import { testConfig } from '../../test/helpers.js';

/**
 * Browser audio's signalling on the simulated carrier: the caller's offer reaches only the
 * volunteer who won the call, the winner's answer reaches the caller once, bad session
 * descriptions are refused, and nothing of them (nor the caller's number) is logged.
 */

const sdp = (tag: string) =>
  `v=0\r\no=- ${tag} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host\r\n`;

let s: CallServer;
beforeAll(async () => {
  s = await startCallServer();
});
afterAll(() => s?.close());

const simulator = (method: string, path: string, body?: unknown) =>
  fetch(`${s.url}/api/simulator${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });

async function ringingCall() {
  const web = await s.addUser(['volunteer'], { preference: 'browser', name: 'Web' });
  const other = await s.addUser(['volunteer'], { preference: 'browser', name: 'Other' });
  await s.putOnShift([web.id, other.id]);
  const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
  await s.settle();
  const [call] = await s.db.query<{ id: string }>('select id from calls where provider_call_id = $1', [
    caller.sid,
  ]);
  return { web, other, caller, callId: call!.id };
}

describe('browser audio signalling on the simulated carrier', () => {
  it('gives the caller offer to the winner only, and the winner answer to the caller once', async () => {
    const { web, other, caller, callId } = await ringingCall();
    const offer = sdp('424242');
    expect((await simulator('POST', `/phones/${caller.sid}/webrtc/offer`, { sdp: offer })).status).toBe(204);
    // One offer per call.
    expect((await simulator('POST', `/phones/${caller.sid}/webrtc/offer`, { sdp: offer })).status).toBe(409);
    // Nobody has answered: nobody gets the offer.
    expect((await s.request('GET', `/api/calls/${callId}/webrtc/offer`, { as: web })).status).toBe(409);

    // The caller's page waits for the answer while the volunteer picks up.
    const waiting = simulator('GET', `/phones/${caller.sid}/webrtc/answer`);
    expect((await s.request('POST', `/api/calls/${callId}/answer`, { as: web })).status).toBe(200);

    const got = await s.request('GET', `/api/calls/${callId}/webrtc/offer`, { as: web });
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual({ offer, iceServers: [] });
    // The volunteer who lost gets nothing, and cannot answer in the winner's place.
    expect((await s.request('GET', `/api/calls/${callId}/webrtc/offer`, { as: other })).status).toBe(403);
    const answer = sdp('777');
    expect(
      (await s.request('POST', `/api/calls/${callId}/webrtc/answer`, { as: other, body: { sdp: answer } }))
        .status,
    ).toBe(403);

    expect(
      (await s.request('POST', `/api/calls/${callId}/webrtc/answer`, { as: web, body: { sdp: answer } }))
        .status,
    ).toBe(204);
    expect(await (await waiting).json()).toEqual({ answer, ended: false });
    // A second answer (another tab, a replay) is refused.
    expect(
      (await s.request('POST', `/api/calls/${callId}/webrtc/answer`, { as: web, body: { sdp: answer } }))
        .status,
    ).toBe(409);

    // The volunteer hangs up: the caller's page learns the call ended, and the offer is gone.
    expect((await s.request('POST', `/api/calls/${callId}/hangup`, { as: web })).status).toBe(200);
    await s.settle();
    expect(await (await simulator('GET', `/phones/${caller.sid}/webrtc/answer`)).json()).toEqual({
      answer: null,
      ended: true,
    });
    expect((await s.request('GET', `/api/calls/${callId}/webrtc/offer`, { as: web })).status).toBe(409);
    expect(s.carrier.audio.offerOf(caller.sid)).toBeNull();

    // Session descriptions carry network addresses: never in the logs.
    const logs = s.logs.join('\n');
    expect(logs).not.toContain('192.0.2.7');
    expect(logs).not.toContain('424242');
  });

  it('refuses malformed, oversized and out-of-place session descriptions with 400', async () => {
    const { web, caller, callId } = await ringingCall();
    for (const bad of [
      { sdp: 'hello' },
      { sdp: `v=0\r\n${'a'.repeat(SDP_MAX_CHARS)}` },
      { sdp: `v=0\r\no=- 1 2 IN IP4 127.0.0.1\u0000\r\n` },
      { sdp: sdp('1'), extra: true },
      {},
    ])
      expect((await simulator('POST', `/phones/${caller.sid}/webrtc/offer`, bad)).status).toBe(400);
    await s.request('POST', `/api/calls/${callId}/answer`, { as: web });
    const bad = await s.request('POST', `/api/calls/${callId}/webrtc/answer`, {
      as: web,
      body: { sdp: 'v=1\r\n' },
    });
    expect(bad.status).toBe(400);
    // A volunteer phone (not a caller) has no offer to post.
    expect(
      (await simulator('POST', `/phones/CA${'0'.repeat(32)}/webrtc/offer`, { sdp: sdp('2') })).status,
    ).toBe(400);
  });

  it('reads the ICE servers from WEBRTC_ICE_SERVERS, checked at start', () => {
    expect(testConfig().WEBRTC_ICE_SERVERS).toBeUndefined();
    const servers = [{ urls: ['turn:turn.example.org:3478'], username: 'u', credential: 'c' }];
    expect(testConfig({ WEBRTC_ICE_SERVERS: JSON.stringify(servers) }).WEBRTC_ICE_SERVERS).toEqual(servers);
    expect(() => testConfig({ WEBRTC_ICE_SERVERS: '[{"urls":"http://x"}]' })).toThrow(/WEBRTC_ICE_SERVERS/);
    expect(() => testConfig({ WEBRTC_ICE_SERVERS: 'not json' })).toThrow(/WEBRTC_ICE_SERVERS/);
  });
});
