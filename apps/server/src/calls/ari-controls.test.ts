import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CallServer, startCallServer, testSdp, waitFor } from '../../test/calls-helpers.js';
import { FakeAri } from '../../test/fakes/ari.js';
import type { TestUser } from '../../test/helpers.js';
import { saveProviderCredentials } from '../settings/service.js';
import {
  HANDOVER_APP_ARG,
  LEG_APP_ARG,
  LISTENER_APP_ARG,
  SNOOP_APP_ARG,
} from '../telephony/asterisk/events.js';
import { browserIdentityOf } from '../telephony/browser/identity.js';
import { ariBridgeState } from './index.js';

/**
 * Hold and cold transfer on a call answered at Asterisk (docs/CALLS.md, "Call controls on
 * provider calls"), against the local fake ARI: hold moves the caller's channel out of the call's
 * mixing bridge into a holding bridge with music on hold, resume moves it back; a transfer rings
 * the colleague's browser endpoint as a hand-over channel and, once it picks up, the call changes
 * hands (compare-and-set, audit), the colleague's channel joins the call's bridge, the first
 * volunteer's channel is hung up and the caller comes off hold.
 */

const ACCOUNT = { username: 'llamenos', password: 'ari-password-4567', app: 'llamenos-hotline' };
const NUMBER = '+15559870044';
const SIP_WS = 'wss://pbx.example.org:8089/ws';
/** Setting up the answered call takes several round trips; on a loaded machine more than waitFor's 10 s. */
const SETUP_MS = 20_000;
const actor = { pubkey: null, ipHash: null };
let fake: FakeAri;
const servers: CallServer[] = [];
let finisher: NodeJS.Timeout | null = null;

beforeAll(async () => {
  fake = await FakeAri.start(ACCOUNT);
  let reported = 0;
  finisher = setInterval(() => {
    for (; reported < fake.playbacks.length; reported++)
      fake.emit({ type: 'PlaybackFinished', playback: { id: fake.playbacks[reported] } });
  }, 20);
});
afterEach(async () => {
  for (const s of servers.splice(0).reverse()) await s.close();
  fake.requests.length = 0;
  fake.bridges.clear();
});
afterAll(async () => {
  if (finisher) clearInterval(finisher);
  await fake.close();
});

async function connectAsterisk(s: CallServer, sipWebSocketUrl: string | null) {
  const before = fake.openSockets;
  await saveProviderCredentials(s.ctx, actor, 'asterisk', {
    ariUrl: fake.baseUrl,
    ...ACCOUNT,
    ...(sipWebSocketUrl ? { sipWebSocketUrl } : {}),
    phoneNumbers: [NUMBER],
  });
  await waitFor(() => ariBridgeState(s.ctx) === 'running' && fake.openSockets === before + 1, 'ARI socket');
}

const callOf = async (s: CallServer, channel: string) =>
  (await s.db.query('select * from calls where provider_call_id = $1', [channel]))[0];
const audits = async (s: CallServer, action: string) =>
  s.db.query<{ details: Record<string, unknown> }>('select details from audit_log where action = $1', [
    action,
  ]);
const held = (callId: string) => fake.bridges.get(`llamenos-held-call-${callId}`);
const inCall = (callId: string) => fake.bridges.get(`llamenos-call-call-${callId}`);

/**
 * Bea answers a caller in the browser at Asterisk; Cy (browser, free, on shift) could take it.
 * `sipWebSocketUrl` undefined: Bea answers on her phone and no browser can be rung.
 */
async function connectedCall(s: CallServer, options: { browsers?: boolean } = {}) {
  const browsers = options.browsers ?? true;
  const bea = await s.addUser(
    ['volunteer'],
    browsers ? { preference: 'browser' } : { phone: '+15550007777' },
  );
  const cy = await s.addUser(['volunteer'], { preference: 'browser' });
  await s.putOnShift([bea.id]);
  await connectAsterisk(s, browsers ? SIP_WS : null);
  const callerChannel = fake.addChannel('Ring');
  fake.emit({
    type: 'StasisStart',
    args: [],
    channel: {
      id: callerChannel.id,
      state: 'Ring',
      caller: { number: '+15551239876' },
      dialplan: { exten: NUMBER },
    },
  });
  const caller = callerChannel.id;
  const leg = await waitFor(
    async () => {
      const [row] = await s.db.query<{ id: string; call_id: string; provider_leg_id: string | null }>(
        `select l.* from call_legs l join calls c on c.id = l.call_id
        where c.provider_call_id = $1 and l.provider_leg_id is not null`,
        [caller],
      );
      return row ?? null;
    },
    "Bea's leg originated",
    SETUP_MS,
  );
  const beaChannel = leg.provider_leg_id!;
  fake.channels.get(beaChannel)!.state = 'Up';
  fake.emit({ type: 'StasisStart', args: [LEG_APP_ARG], channel: { id: beaChannel, state: 'Up' } });
  if (!browsers) {
    // A phone is screened: "press 1".
    await waitFor(
      async () => {
        fake.emit({ type: 'ChannelDtmfReceived', digit: '1', channel: { id: beaChannel } });
        return (await callOf(s, caller))?.status === 'answered';
      },
      'the call answered',
      SETUP_MS,
    );
  }
  await waitFor(async () => (await callOf(s, caller))?.status === 'answered', 'the call answered', SETUP_MS);
  const callId = leg.call_id;
  await waitFor(() => inCall(callId)?.channels.length === 2, 'caller and Bea bridged', SETUP_MS);
  // Cy comes on shift after the call rang, so she was never rung for it.
  await s.putOnShift([bea.id, cy.id]);
  return { bea, cy, caller, beaChannel, callId, beaLegId: leg.id };
}

const hold = (s: CallServer, as: TestUser, id: string, onHold: boolean) =>
  s.request('POST', `/api/calls/${id}/hold`, { as, body: { onHold } });

describe('hold at Asterisk', () => {
  it('moves the caller into a holding bridge with music on hold, and back on resume; audited', async () => {
    const s = await startCallServer();
    servers.push(s);
    const { bea, caller, beaChannel, callId } = await connectedCall(s);

    const controls = await s.request('GET', `/api/calls/${callId}/controls`, { as: bea });
    expect(controls.status).toBe(200);
    expect(await controls.json()).toEqual({ hold: true, transfer: true, warmTransfer: true });

    const on = await hold(s, bea, callId, true);
    expect(on.status).toBe(200);
    expect(await on.json()).toEqual({ onHold: true });
    expect(held(callId)).toMatchObject({ type: 'holding', channels: [caller], moh: 'default' });
    expect(inCall(callId)!.channels).toEqual([beaChannel]);
    // Again: nothing changes, nothing more is audited.
    expect((await hold(s, bea, callId, true)).status).toBe(200);
    expect(await audits(s, 'calls.held')).toHaveLength(1);

    const off = await hold(s, bea, callId, false);
    expect(await off.json()).toEqual({ onHold: false });
    expect(held(callId)).toBeUndefined();
    expect(inCall(callId)!.channels).toEqual([beaChannel, caller]);
    expect((await audits(s, 'calls.resumed')).map((a) => a.details)).toEqual([{ callId }]);
    await s.settle();
  });

  it('is refused to anyone but the volunteer on the call', async () => {
    const s = await startCallServer();
    servers.push(s);
    const { cy, callId } = await connectedCall(s);
    expect((await hold(s, cy, callId, true)).status).toBe(403);
    expect(held(callId)).toBeUndefined();
    await s.settle();
  });

  it('works on a call answered on a phone; without browser calling, transfer is not offered', async () => {
    const s = await startCallServer();
    servers.push(s);
    const { bea, caller, callId } = await connectedCall(s, { browsers: false });
    const controls = await s.request('GET', `/api/calls/${callId}/controls`, { as: bea });
    expect(await controls.json()).toEqual({ hold: true, transfer: false, warmTransfer: false });
    expect((await hold(s, bea, callId, true)).status).toBe(200);
    expect(held(callId)!.channels).toEqual([caller]);
    await s.settle();
  });
});

describe('cold transfer at Asterisk', () => {
  it("rings the colleague's browser; on pickup the call is theirs, bridged to the caller, the first channel hung up", async () => {
    const s = await startCallServer();
    servers.push(s);
    const { bea, cy, caller, beaChannel, callId, beaLegId } = await connectedCall(s);
    const targets = await s.request('GET', `/api/calls/${callId}/transfer-targets`, { as: bea });
    expect((await targets.json()).targets.map((t: { id: string }) => t.id)).toEqual([cy.id]);

    const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
    const ring = await waitFor(
      () =>
        fake.requests.find(
          (r) => r.method === 'POST' && r.path === '/ari/channels' && r.query.appArgs === HANDOVER_APP_ARG,
        ) ?? null,
      'the hand-over leg originated',
    );
    expect(ring.query).toMatchObject({
      endpoint: `PJSIP/${browserIdentityOf(s.ctx.config.serverSecret, cy.id)}`,
      app: ACCOUNT.app,
      callerId: NUMBER,
    });
    // While Cy's browser rings, the caller hears hold music and Bea is alone.
    expect(held(callId)!.channels).toEqual([caller]);
    const cyLeg = await waitFor(async () => {
      const [row] = await s.db.query<{ id: string; provider_leg_id: string | null; status: string }>(
        'select * from call_legs where call_id = $1 and user_id = $2 and provider_leg_id is not null',
        [callId, cy.id],
      );
      return row ?? null;
    }, "Cy's leg bound");
    const cyChannel = cyLeg.provider_leg_id!;
    // A second transfer while Cy's browser rings is refused.
    const again = await s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
    expect(again.status).toBe(409);
    expect((await again.json()).error.message).toMatch(/already being rung/);
    // Cy clicks Answer: her channel enters the application as a hand-over, never as a caller.
    fake.channels.get(cyChannel)!.state = 'Up';
    fake.emit({ type: 'StasisStart', args: [HANDOVER_APP_ARG], channel: { id: cyChannel, state: 'Up' } });
    expect((await transfer).status).toBe(204);

    const row = await callOf(s, caller);
    expect(row).toMatchObject({ status: 'answered', answered_by: cy.id, answered_leg_id: cyLeg.id });
    const legs = await s.db.query<{ id: string; status: string }>(
      'select id, status from call_legs where id = any($1::text[]) order by id',
      [[beaLegId, cyLeg.id]],
    );
    expect(Object.fromEntries(legs.map((l) => [l.id, l.status]))).toEqual({
      [beaLegId]: 'completed',
      [cyLeg.id]: 'in-progress',
    });
    expect(fake.requests.some((r) => r.method === 'DELETE' && r.path === `/ari/channels/${beaChannel}`)).toBe(
      true,
    );
    expect(inCall(callId)!.channels).toEqual([cyChannel, caller]);
    expect(held(callId)).toBeUndefined();
    expect((await audits(s, 'calls.transferred')).map((a) => a.details)).toEqual([
      { callId, from: bea.id, to: cy.id },
    ]);
    // No second call was made of the hand-over channel.
    expect(await s.db.query('select 1 from calls where provider_call_id = $1', [cyChannel])).toEqual([]);

    // Bea's channel ending does not end the call; Cy's does.
    fake.emit({ type: 'ChannelDestroyed', cause: 16, channel: { id: beaChannel } });
    await s.settle();
    expect((await callOf(s, caller))!.ended_at).toBeNull();
    fake.emit({ type: 'ChannelDestroyed', cause: 16, channel: { id: cyChannel } });
    await waitFor(async () => (await callOf(s, caller))?.ended_at !== null, 'the call ended with Cy');
    // The caller's channel ends too: the call's bridge is destroyed with it.
    fake.emit({ type: 'ChannelDestroyed', cause: 16, channel: { id: caller } });
    await waitFor(() => !inCall(callId), "the call's bridge destroyed");
    await s.settle();
  });

  it('brings the caller back off hold when the colleague declines, and nothing changes hands', async () => {
    const s = await startCallServer();
    servers.push(s);
    const { bea, cy, caller, beaChannel, callId, beaLegId } = await connectedCall(s);
    const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
    const cyLeg = await waitFor(async () => {
      const [row] = await s.db.query<{ id: string; provider_leg_id: string | null }>(
        'select * from call_legs where call_id = $1 and user_id = $2 and provider_leg_id is not null',
        [callId, cy.id],
      );
      return row ?? null;
    }, "Cy's leg bound");
    // Cy rejects: the channel ends without entering the application.
    fake.channels.delete(cyLeg.provider_leg_id!);
    fake.emit({ type: 'ChannelDestroyed', cause: 21, channel: { id: cyLeg.provider_leg_id } });
    const answer = await transfer;
    expect(answer.status).toBe(409);
    expect((await answer.json()).error.message).toMatch(/did not pick up/);
    expect(await callOf(s, caller)).toMatchObject({ answered_by: bea.id, answered_leg_id: beaLegId });
    expect(held(callId)).toBeUndefined();
    expect(inCall(callId)!.channels).toEqual([beaChannel, caller]);
    expect(await audits(s, 'calls.transferred')).toEqual([]);
    await s.settle();
    const [leg] = await s.db.query<{ status: string }>('select status from call_legs where id = $1', [
      cyLeg.id,
    ]);
    expect(['canceled', 'busy']).toContain(leg!.status);
  });

  it('says the caller hung up when they leave while the colleague rings; the ringing stops', async () => {
    const s = await startCallServer();
    servers.push(s);
    const { bea, cy, caller, callId } = await connectedCall(s);
    const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
    const cyLeg = await waitFor(async () => {
      const [row] = await s.db.query<{ id: string; provider_leg_id: string | null }>(
        'select * from call_legs where call_id = $1 and user_id = $2 and provider_leg_id is not null',
        [callId, cy.id],
      );
      return row ?? null;
    }, "Cy's leg bound");
    fake.channels.delete(caller);
    fake.emit({ type: 'ChannelDestroyed', cause: 16, channel: { id: caller } });
    // The call ends, and the router hangs up Cy's ringing channel at once; Asterisk tells of it.
    const cyChannel = cyLeg.provider_leg_id!;
    await waitFor(() => !fake.channels.has(cyChannel), "Cy's channel hung up", SETUP_MS);
    fake.emit({ type: 'ChannelDestroyed', cause: 16, channel: { id: cyChannel } });
    const answer = await transfer;
    expect(answer.status).toBe(409);
    expect((await answer.json()).error).toMatchObject({
      message: 'the caller hung up before your colleague picked up',
      details: { reason: 'caller-hung-up' },
    });
    expect(await audits(s, 'calls.transferred')).toEqual([]);
    await s.settle();
  });

  it('answers 409 with a clear message where browsers cannot be rung', async () => {
    const s = await startCallServer();
    servers.push(s);
    const { bea, cy, callId } = await connectedCall(s, { browsers: false });
    const answer = await s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
    expect(answer.status).toBe(409);
    expect((await answer.json()).error.message).toMatch(/browser/);
    expect(fake.requests.some((r) => r.query.appArgs === HANDOVER_APP_ARG)).toBe(false);
    await s.settle();
  });
});

describe('warm transfer at Asterisk', () => {
  it('holds the caller at Asterisk while the two talk; hand-over rings the colleague, back to the caller resumes', async () => {
    const s = await startCallServer();
    servers.push(s);
    const { bea, cy, caller, beaChannel, callId } = await connectedCall(s);
    const post = (as: TestUser, path: string, body?: unknown) =>
      s.request('POST', `/api/calls/${callId}/warm-transfer${path}`, { as, body });

    // Asked and declined: the caller waits on hold, then comes back.
    expect((await post(bea, '', { to: cy.id, sdp: testSdp('consult') })).status).toBe(204);
    expect(held(callId)!.channels).toEqual([caller]);
    expect((await post(cy, '/decline')).status).toBe(204);
    expect((await post(bea, '/cancel')).status).toBe(204);
    expect(held(callId)).toBeUndefined();
    expect(inCall(callId)!.channels).toEqual([beaChannel, caller]);

    // Asked, accepted, talked, handed over: Cy's browser phone rings for the call and picks up.
    expect((await post(bea, '', { to: cy.id, sdp: testSdp('consult-2') })).status).toBe(204);
    expect((await post(cy, '/accept', { sdp: testSdp('consult-answer') })).status).toBe(204);
    const handOver = post(bea, '/hand-over');
    const cyChannel = await waitFor(async () => {
      const [row] = await s.db.query<{ provider_leg_id: string | null }>(
        'select provider_leg_id from call_legs where call_id = $1 and user_id = $2 and provider_leg_id is not null',
        [callId, cy.id],
      );
      return row?.provider_leg_id ?? null;
    }, "Cy's browser phone rung");
    fake.channels.get(cyChannel)!.state = 'Up';
    fake.emit({ type: 'StasisStart', args: [HANDOVER_APP_ARG], channel: { id: cyChannel, state: 'Up' } });
    expect((await handOver).status).toBe(204);
    expect(await callOf(s, caller)).toMatchObject({ answered_by: cy.id });
    expect(inCall(callId)!.channels).toEqual([cyChannel, caller]);
    expect((await audits(s, 'calls.transferred')).map((a) => a.details)).toEqual([
      { callId, from: bea.id, to: cy.id },
    ]);
    await s.settle();
  });
});

describe('silent supervision at Asterisk', () => {
  it("rings the admin's browser phone and bridges it to a snoop on the caller's channel; stop takes it apart", async () => {
    const s = await startCallServer();
    servers.push(s);
    const { bea, caller, beaChannel, callId } = await connectedCall(s);
    await s.setSettings((x) => ({ ...x, calls: { ...x.calls, silentSupervision: true } }));
    const ada = await s.addUser(['admin'], { preference: 'browser' });

    const live = await (await s.request('GET', '/api/calls/supervision/live', { as: ada })).json();
    expect(live.calls).toEqual([expect.objectContaining({ callId, throughProvider: 'asterisk' })]);
    // The offer path is for browser audio; an Asterisk call is listened to through the phone.
    const offer = await s.request('POST', `/api/calls/${callId}/supervision`, {
      as: ada,
      body: { sdp: testSdp('listen') },
    });
    expect(offer.status).toBe(409);

    const listen = s.request('POST', `/api/calls/${callId}/supervision/phone`, { as: ada });
    const ring = await waitFor(
      () =>
        fake.requests.find(
          (r) => r.method === 'POST' && r.path === '/ari/channels' && r.query.appArgs === LISTENER_APP_ARG,
        ) ?? null,
      "the admin's phone rung",
    );
    expect(ring.query.endpoint).toBe(`PJSIP/${browserIdentityOf(s.ctx.config.serverSecret, ada.id)}`);
    const adaChannel = [...fake.channels.keys()].at(-1)!;
    fake.emit({ type: 'StasisStart', args: [LISTENER_APP_ARG], channel: { id: adaChannel, state: 'Up' } });
    expect((await listen).status).toBe(204);

    const snoop = fake.requests.find((r) => r.path === `/ari/channels/${caller}/snoop`)!;
    expect(snoop.query).toMatchObject({
      spy: 'both',
      whisper: 'none',
      app: ACCOUNT.app,
      appArgs: SNOOP_APP_ARG,
    });
    const listening = fake.bridges.get(`llamenos-listen-call-${callId}`)!;
    expect(listening.channels).toEqual([snoop.query.snoopId, adaChannel]);
    // The call itself is untouched, and the snoop channel's arrival is no call.
    expect([...inCall(callId)!.channels].sort()).toEqual([beaChannel, caller].sort());
    fake.emit({
      type: 'StasisStart',
      args: [SNOOP_APP_ARG],
      channel: { id: snoop.query.snoopId, state: 'Up' },
    });
    await s.settle();
    expect(
      await s.db.query('select 1 from calls where provider_call_id = $1', [snoop.query.snoopId]),
    ).toEqual([]);
    // The volunteer's card says someone listens; there is no offer for her browser to answer.
    const request = await s.request('GET', `/api/calls/${callId}/supervision/request`, { as: bea });
    expect(await request.json()).toMatchObject({ listening: true, offer: null });

    expect((await s.request('POST', `/api/calls/${callId}/supervision/stop`, { as: ada })).status).toBe(204);
    expect(fake.requests.some((r) => r.method === 'DELETE' && r.path === `/ari/channels/${adaChannel}`)).toBe(
      true,
    );
    expect(fake.bridges.has(`llamenos-listen-call-${callId}`)).toBe(false);
    expect((await audits(s, 'calls.supervision-started')).map((a) => a.details)).toEqual([{ callId }]);
    expect((await audits(s, 'calls.supervision-stopped')).map((a) => a.details)).toEqual([{ callId }]);
    await s.settle();
  });

  it('refuses an admin whose calls do not come to the browser', async () => {
    const s = await startCallServer();
    servers.push(s);
    const { callId } = await connectedCall(s);
    await s.setSettings((x) => ({ ...x, calls: { ...x.calls, silentSupervision: true } }));
    const ada = await s.addUser(['admin'], { phone: '+15550008888' });
    const answer = await s.request('POST', `/api/calls/${callId}/supervision/phone`, { as: ada });
    expect(answer.status).toBe(409);
    expect((await answer.json()).error.message).toMatch(/browser/);
    expect(fake.requests.some((r) => r.query.appArgs === LISTENER_APP_ARG)).toBe(false);
    await s.settle();
  });
});
