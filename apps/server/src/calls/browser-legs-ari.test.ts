import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  callerEntersStasis,
  connectAsterisk as connectHotlineToAsterisk,
  finishPlaybacks,
  TEST_ARI_ACCOUNT,
} from '../../test/ari-helpers.js';
import { type CallServer, startCallServer, waitFor } from '../../test/calls-helpers.js';
import { FakeAri } from '../../test/fakes/ari.js';
import { LEG_APP_ARG } from '../telephony/asterisk/events.js';
import { browserIdentityOf } from '../telephony/browser/identity.js';

/**
 * Asterisk rings a volunteer who answers in the browser as `PJSIP/<identity>` (the endpoint the
 * credential route pushes for their browser), originated into our Stasis application beside the
 * phone legs, against the local fake ARI; the first pickup wins either way and the other channel
 * is hung up.
 */

const ACCOUNT = TEST_ARI_ACCOUNT;
const NUMBER = '+15559870012';
let fake: FakeAri;
const servers: CallServer[] = [];
let stopFinishing = () => {};

beforeAll(async () => {
  fake = await FakeAri.start(TEST_ARI_ACCOUNT);
  stopFinishing = finishPlaybacks(fake);
});
afterEach(async () => {
  for (const s of servers.splice(0).reverse()) await s.close();
  fake.requests.length = 0;
});
afterAll(async () => {
  stopFinishing();
  await fake.close();
});

const connectAsterisk = (s: CallServer, sipWebSocketUrl?: string) =>
  connectHotlineToAsterisk(s.ctx, fake, NUMBER, { sipWebSocketUrl });

/** A caller's channel enters our Stasis application. */
const callerArrives = (from = '+15551230011') => callerEntersStasis(fake, NUMBER, from);

const originates = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/ari/channels');
const callOf = async (s: CallServer, channel: string) =>
  (await s.db.query('select * from calls where provider_call_id = $1', [channel]))[0];

/** Bea answers in the browser, Pat on the phone; a caller arrives and both are rung. */
async function ringBoth(s: CallServer) {
  const bea = await s.addUser(['volunteer'], { preference: 'browser' });
  const pat = await s.addUser(['volunteer'], { phone: '+15550003333' });
  await s.putOnShift([bea.id, pat.id]);
  await connectAsterisk(s, 'wss://pbx.example.org:8089/ws');
  const caller = callerArrives();
  const call = await waitFor(async () => {
    const row = await callOf(s, caller);
    return row?.status === 'ringing' ? row : null;
  }, 'the call ringing');
  const legs = await waitFor(async () => {
    const rows = await s.db.query<{ id: string; kind: string; provider_leg_id: string | null }>(
      'select * from call_legs where call_id = $1 and provider_leg_id is not null',
      [call.id],
    );
    return rows.length === 2 ? rows : null;
  }, 'two legs originated');
  const identity = browserIdentityOf(s.ctx.config.serverSecret, bea.id);
  return {
    caller,
    call,
    identity,
    browser: legs.find((l) => l.kind === 'browser')!.provider_leg_id!,
    phone: legs.find((l) => l.kind === 'phone')!.provider_leg_id!,
  };
}

/**
 * The browser's channel picks up (the volunteer clicked Answer): the call is theirs at once, with
 * no screening prompt played and no key pressed.
 */
async function pickUpInBrowser(s: CallServer, caller: string, channel: string) {
  fake.channels.get(channel)!.state = 'Up';
  fake.emit({ type: 'StasisStart', args: [LEG_APP_ARG], channel: { id: channel, state: 'Up' } });
  await waitFor(async () => (await callOf(s, caller))?.status === 'answered', 'the call answered');
  expect(fake.requests.filter((r) => r.path === `/ari/channels/${channel}/play`)).toEqual([]);
}

/** A phone leg's channel picks up, hears the screening prompt and presses 1. */
async function pressOne(s: CallServer, caller: string, channel: string) {
  fake.channels.get(channel)!.state = 'Up';
  fake.emit({ type: 'StasisStart', args: [LEG_APP_ARG], channel: { id: channel, state: 'Up' } });
  await waitFor(
    () => fake.requests.some((r) => r.method === 'POST' && r.path === `/ari/channels/${channel}/play`),
    'screening prompt',
  );
  await waitFor(async () => {
    fake.emit({ type: 'ChannelDtmfReceived', digit: '1', channel: { id: channel } });
    return (await callOf(s, caller))?.status === 'answered';
  }, 'the call answered');
}

describe('a browser leg at Asterisk', () => {
  it('originates PJSIP/<identity> like a phone leg; the browser answers, the phone channel is hung up', async () => {
    const s = await startCallServer();
    servers.push(s);
    const { caller, call, identity, browser, phone } = await ringBoth(s);
    const byEndpoint = new Map(originates().map((r) => [r.query.endpoint, r.query]));
    expect(identity).toMatch(/^v[0-9a-f]{24}$/);
    const { channelId: _b, endpoint: _e, ...browserQuery } = byEndpoint.get(`PJSIP/${identity}`)!;
    const { channelId: _p, endpoint: _f, ...phoneQuery } = byEndpoint.get('PJSIP/+15550003333@llamenos')!;
    // The same originate as the phone's but for the endpoint: our application, the leg's
    // argument, the hotline as caller id, the ring timeout.
    expect(browserQuery).toEqual(phoneQuery);
    expect(browserQuery).toMatchObject({ app: ACCOUNT.app, appArgs: LEG_APP_ARG, callerId: NUMBER });

    await pickUpInBrowser(s, caller, browser);
    const browserLeg = (
      await s.db.query('select * from call_legs where provider_leg_id = $1', [browser])
    )[0]!;
    expect((await callOf(s, caller))!.answered_leg_id).toBe(browserLeg.id);
    await waitFor(
      () => fake.requests.some((r) => r.method === 'DELETE' && r.path === `/ari/channels/${phone}`),
      'the phone channel hung up',
    );
    await waitFor(
      () => fake.bridges.get(`llamenos-call-call-${call.id}`)?.channels.length === 2,
      'caller and browser in a mixing bridge',
    );
    expect(fake.bridges.get(`llamenos-call-call-${call.id}`)!.channels).toEqual([caller, browser]);
    await s.settle();
  });

  it('hangs up the browser channel when the phone wins', async () => {
    const s = await startCallServer();
    servers.push(s);
    const { caller, browser, phone } = await ringBoth(s);
    // The phone's pickup alone answers nothing (it may be a voicemail box): it is screened.
    fake.channels.get(phone)!.state = 'Up';
    fake.emit({ type: 'StasisStart', args: [LEG_APP_ARG], channel: { id: phone, state: 'Up' } });
    await waitFor(
      () => fake.requests.some((r) => r.method === 'POST' && r.path === `/ari/channels/${phone}/play`),
      'screening prompt',
    );
    expect((await callOf(s, caller))!.status).toBe('ringing');
    await pressOne(s, caller, phone);
    await waitFor(
      () => fake.requests.some((r) => r.method === 'DELETE' && r.path === `/ari/channels/${browser}`),
      'the browser channel hung up',
    );
    await s.settle();
  });

  it('rings no browser without a SIP WebSocket URL (no browser can have registered)', async () => {
    const s = await startCallServer();
    servers.push(s);
    const bea = await s.addUser(['volunteer'], { preference: 'browser' });
    const pat = await s.addUser(['volunteer'], { phone: '+15550004444' });
    await s.putOnShift([bea.id, pat.id]);
    await connectAsterisk(s);
    const caller = callerArrives('+15551230012');
    await waitFor(async () => (await callOf(s, caller))?.status === 'ringing', 'the call ringing');
    await waitFor(() => originates().length === 1, 'the phone leg originated');
    await s.settle();
    expect(originates().map((r) => r.query.endpoint)).toEqual(['PJSIP/+15550004444@llamenos']);
  });
});
