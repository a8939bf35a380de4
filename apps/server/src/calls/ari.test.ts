import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  callerEntersStasis,
  connectAsterisk as connectHotlineToAsterisk,
  finishPlaybacks,
  TEST_ARI_ACCOUNT,
} from '../../test/ari-helpers.js';
import { type CallServer, keepOpen, startCallServer, waitFor } from '../../test/calls-helpers.js';
import { FakeAri } from '../../test/fakes/ari.js';
import { openStoredVoicemail } from '../../test/voicemail-helpers.js';
import { saveProviderCredentials } from '../settings/service.js';
import { LEG_APP_ARG } from '../telephony/asterisk/events.js';
import { ariBridgeState, tickCallTimers } from './index.js';

/**
 * Asterisk through the ARI bridge against the local fake ARI (REST and the events WebSocket):
 * Stasis events in, the router's decisions carried out as ARI requests.
 */

const ACCOUNT = TEST_ARI_ACCOUNT;
const NUMBER = '+15559870002';
const actor = { pubkey: null, ipHash: null };
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

async function start(options: Parameters<typeof startCallServer>[0] = {}) {
  const s = await startCallServer(options);
  servers.push(s);
  return s;
}

const connectAsterisk = (s: CallServer) => connectHotlineToAsterisk(s.ctx, fake, NUMBER);

/** A caller's channel enters our Stasis application. */
const callerArrives = (from = '+15551230001') => callerEntersStasis(fake, NUMBER, from);

const requested = (method: string, path: string) =>
  fake.requests.some((r) => r.method === method && r.path === path);
const callOf = async (s: CallServer, channel: string) =>
  (await s.db.query('select * from calls where provider_call_id = $1', [channel]))[0];

describe('Asterisk through the ARI bridge', () => {
  it('routes a call: StasisStart → row → originate per volunteer → "1" on one leg → mixing bridge, others hung up', async () => {
    const s = await start();
    const ana = await s.addUser(['volunteer'], { phone: '+15550001111' });
    const ben = await s.addUser(['volunteer'], { phone: '+15550002222' });
    await s.putOnShift([ana.id, ben.id]);
    await connectAsterisk(s);

    const caller = callerArrives();
    const call = await waitFor(async () => {
      const row = await callOf(s, caller);
      return row?.status === 'ringing' ? row : null;
    }, 'the call row, ringing');
    const legs = await waitFor(async () => {
      const rows = await s.db.query<{ id: string; provider_leg_id: string | null }>(
        'select * from call_legs where call_id = $1 and provider_leg_id is not null order by id',
        [call.id],
      );
      return rows.length === 2 ? rows : null;
    }, 'two legs originated');
    const originates = fake.requests.filter((r) => r.method === 'POST' && r.path === '/ari/channels');
    expect(originates.map((r) => r.query.endpoint).sort()).toEqual([
      'PJSIP/+15550001111@llamenos',
      'PJSIP/+15550002222@llamenos',
    ]);
    expect(originates.every((r) => r.query.appArgs === LEG_APP_ARG && r.query.callerId === NUMBER)).toBe(
      true,
    );
    const holding = `llamenos-hold-call-${call.id}`;
    await waitFor(() => fake.bridges.get(holding)?.channels.includes(caller), 'caller on hold');

    // One volunteer picks up: the leg enters Stasis, hears "press 1", presses 1.
    const [winner, loser] = legs.map((l) => l.provider_leg_id!) as [string, string];
    fake.channels.get(winner)!.state = 'Up';
    fake.emit({ type: 'StasisStart', args: [LEG_APP_ARG], channel: { id: winner, state: 'Up' } });
    await waitFor(() => requested('POST', `/ari/channels/${winner}/play`), 'screening prompt');
    await waitFor(async () => {
      fake.emit({ type: 'ChannelDtmfReceived', digit: '1', channel: { id: winner } });
      return (await callOf(s, caller))?.status === 'answered';
    }, 'the call answered');
    await waitFor(
      () => fake.bridges.get(`llamenos-call-call-${call.id}`)?.channels.length === 2,
      'caller and volunteer in a mixing bridge',
    );
    expect(fake.bridges.get(`llamenos-call-call-${call.id}`)!.channels).toEqual([caller, winner]);
    expect(fake.bridges.get(`llamenos-call-call-${call.id}`)!.type).toBe('mixing');
    await waitFor(() => !fake.bridges.has(holding), 'the holding bridge gone');
    await waitFor(() => requested('DELETE', `/ari/channels/${loser}`), 'the other leg hung up');
    expect(fake.channels.has(loser)).toBe(false);
    const answered = await callOf(s, caller);
    const winnerLeg = (await s.db.query('select * from call_legs where provider_leg_id = $1', [winner]))[0]!;
    expect(answered!.answered_leg_id).toBe(winnerLeg.id);

    // The volunteer hangs up: the call completes and the caller's channel is hung up.
    fake.emit({ type: 'ChannelDestroyed', cause: 16, channel: { id: winner, state: 'Up' } });
    await waitFor(async () => (await callOf(s, caller))?.status === 'completed', 'call completed');
    await waitFor(() => requested('DELETE', `/ari/channels/${caller}`), 'caller hung up');
    await s.settle();
  });

  it('takes a voicemail when nobody answers: record via ARI, fetch, seal, delete the stored recording', async () => {
    const s = await start();
    const admin = await s.addUser(['admin'], { name: 'Admin' });
    await connectAsterisk(s);
    const caller = callerArrives('+15551230002');
    const call = await waitFor(async () => {
      const row = await callOf(s, caller);
      return row?.status === 'ringing' ? row : null;
    }, 'the call ringing (nobody on shift)');
    await waitFor(() => fake.bridges.get(`llamenos-hold-call-${call.id}`)?.channels.includes(caller), 'hold');

    const deadline = new Date(call.queue_deadline as string).getTime();
    expect((await tickCallTimers(s.ctx, new Date(deadline + 1000))).voicemail).toBe(1);
    const record = await waitFor(
      () => fake.requests.find((r) => r.method === 'POST' && r.path === `/ari/channels/${caller}/record`),
      'recording started',
    );
    expect((await callOf(s, caller))!.voicemail_redirected_at).not.toBeNull();
    const audio = new Uint8Array([82, 73, 70, 70, 1, 2, 3, 4, 5]);
    fake.recordings.set(record.query.name!, audio);
    const finished = {
      type: 'RecordingFinished',
      recording: { name: record.query.name, target_uri: `channel:${caller}`, duration: 4 },
    };
    fake.emit(finished);
    const stored = await waitFor(
      async () => (await s.db.query('select * from voicemails where call_id = $1', [call.id]))[0],
      'voicemail stored',
    );
    const opened = await openStoredVoicemail(s.ctx, s.db, call.id as string, admin);
    expect(Buffer.from(opened).equals(Buffer.from(audio))).toBe(true);
    expect(stored.duration).toBe(4);
    await waitFor(
      () => requested('DELETE', `/ari/recordings/stored/${record.query.name}`),
      'deleted in Asterisk',
    );
    expect(fake.recordings.has(record.query.name!)).toBe(false);
    await waitFor(() => requested('DELETE', `/ari/channels/${caller}`), 'thanked and hung up');

    // The same event again (a second socket, a reconnect): nothing more happens.
    fake.emit(finished);
    fake.emit({ type: 'ChannelDestroyed', cause: 16, channel: { id: caller } });
    await waitFor(async () => (await callOf(s, caller))?.ended_at !== null, 'call ended');
    await s.settle();
    expect(await s.db.query('select * from voicemails where call_id = $1', [call.id])).toHaveLength(1);
    expect((await callOf(s, caller))!.status).toBe('voicemail');
  });

  it('handles each event once when two server processes hold a socket each', async () => {
    const a = await start();
    await connectAsterisk(a);
    // The second process starts with the credentials already stored.
    const before = fake.openSockets;
    const b = await start({ db: keepOpen(a.db), serverSecret: a.serverSecret });
    await waitFor(
      () => ariBridgeState(b.ctx) === 'running' && fake.openSockets === before + 1,
      'second socket',
    );
    const caller = callerArrives('+15551230003');
    await waitFor(async () => (await callOf(a, caller))?.status === 'ringing', 'call ringing');
    await a.settle();
    await b.settle();
    const answers = fake.requests.filter((r) => r.path === `/ari/channels/${caller}/answer`);
    expect(answers).toHaveLength(1);
    expect(fake.bridges.get(`llamenos-hold-call-${(await callOf(a, caller))!.id}`)?.channels).toEqual([
      caller,
    ]);
    fake.emit({ type: 'ChannelDestroyed', cause: 16, channel: { id: caller } });
    await waitFor(async () => (await callOf(a, caller))?.status === 'abandoned', 'abandoned');
    const ended = await a.db.query(`select * from audit_log where action = 'calls.ended'`);
    expect(ended).toHaveLength(1);
  });

  it('refuses an ARI URL with a public address: no socket, the reason logged', async () => {
    const s = await start();
    const before = fake.connections;
    await saveProviderCredentials(s.ctx, actor, 'asterisk', {
      ariUrl: 'http://198.51.100.4:8088',
      ...ACCOUNT,
      phoneNumbers: [NUMBER],
    });
    await waitFor(() => ariBridgeState(s.ctx) === 'refused', 'bridge refused');
    expect(fake.connections).toBe(before);
    const refusal = s.logs.find((line) => line.includes('Asterisk not connected'));
    expect(refusal).toMatch(/private-network/);
    expect(s.logs.join('\n')).not.toContain(ACCOUNT.password);
  });
});
