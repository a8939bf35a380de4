import { expect, type Page, test } from '@playwright/test';
import { BladeDouble } from '../apps/web/test/provider-phone-signalwire-blade.js';
import { expectAudioArrives, received } from './call-audio-helpers.js';
import {
  makeFarEndOffer,
  type PhoneModulePage,
  servePhoneModule,
  takeFarEndAnswer,
} from './phone-module-page.js';

/**
 * The SignalWire browser phone (apps/web/src/lib/calls/provider-phone/signalwire.ts, on the real
 * RELAY browser SDK 1.5.0) in Chromium with real audio: the page opens its Blade session at the
 * loopback double of SignalWire's socket with the credential's project and JWT, the double
 * relays a Verto invite whose offer comes from a second page's RTCPeerConnection (standing in for
 * SignalWire's media), the volunteer answers with the fake microphone, the SDK's Verto answer
 * goes back to that page, and audio energy arrives both ways; mute silences what the other side
 * receives; SignalWire's bye ends one call; SignalWire re-attaching the next (`verto.attach`, a new
 * offer) keeps it going with audio, and the volunteer's hang-up (a Verto bye) ends it.
 *
 * signalwire.ts is bundled on its own for a small page (as e2e/sip-phone.spec.ts does for
 * Asterisk): the app would reach SignalWire's own socket, and the fake SignalWire API has no media.
 */

/** What the test page holds: the phone's factory, its calls and how many ended. */
interface PageCall {
  provider: string;
  callId: string | null;
  accept(options: object): Promise<void>;
  hangUp(): void;
  mute(muted: boolean): void;
  remoteStream(): MediaStream | null;
  localStream(): MediaStream | null;
  statsSource(): { getStats(): Promise<RTCStatsReport> } | null;
}
interface PagePhone {
  register(): Promise<void>;
  unregister(): Promise<void>;
}
interface PageState {
  signalWirePhoneWith(
    load: undefined,
    options: { host: string },
  ): (credential: object, events: object) => Promise<PagePhone>;
  phone: PagePhone;
  incoming: PageCall[];
  ended: number;
  connected: number;
  lastError?: string;
}

const IDENTITY = `v${'7'.repeat(24)}`;
const PROJECT = '9f3b0d4e-3c1e-4b8a-9f77-0c2b1a6b5d4e';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJyIjoidjc3In0.c2lnbmF0dXJl';

let blade: BladeDouble;
let bladeUrl: string;
let phones: PhoneModulePage;

test.beforeAll(async () => {
  blade = new BladeDouble();
  bladeUrl = await blade.listen();
  phones = await servePhoneModule('signalwire.ts', 'signalWirePhoneWith');
});

test.afterAll(async () => {
  await phones?.close();
  await blade?.close();
});

const newPage = (errors: string[], label: string): Promise<Page> => phones.newPage(errors, label);

/** Builds the phone in the page from a credential, pointed at the double, and registers it. */
const register = (page: Page) =>
  page.evaluate(
    async ({ host, identity, project, token }) => {
      const w = window as unknown as PageState;
      w.incoming = [];
      w.ended = 0;
      w.connected = 0;
      const phone = await w.signalWirePhoneWith(undefined, { host })(
        {
          provider: 'signalwire',
          identity,
          token,
          project,
          expiresAt: new Date(Date.now() + 3600_000).toISOString(),
        },
        {
          incoming: (call: PageCall) => w.incoming.push(call),
          ended: () => {
            w.ended += 1;
          },
          connected: () => {
            w.connected += 1;
          },
          error: (e: Error) => {
            w.lastError = e.message;
          },
        },
      );
      w.phone = phone;
      try {
        await phone.register();
        return 'registered';
      } catch (error) {
        await phone.unregister();
        return (error as Error).message;
      }
    },
    { host: bladeUrl, identity: IDENTITY, project: PROJECT, token: TOKEN },
  );

const incomingCount = (page: Page) => page.evaluate(() => (window as unknown as PageState).incoming.length);
const endedCount = (page: Page) => page.evaluate(() => (window as unknown as PageState).ended);

/** Rings the volunteer's page with the "SignalWire" page's offer; the volunteer answers. */
async function ringAndAnswer(volunteer: Page, relay: Page, leg: string, calls: number): Promise<void> {
  blade.forget();
  blade.invite(leg, IDENTITY, await makeFarEndOffer(relay));
  await expect.poll(() => incomingCount(volunteer)).toBe(calls);
  // SignalWire passes no hotline call id to the SDK: the app pairs the leg with the ringing card.
  expect(
    await volunteer.evaluate((i) => {
      const { provider, callId } = (window as unknown as PageState).incoming[i]!;
      return { provider, callId };
    }, calls - 1),
  ).toEqual({ provider: 'signalwire', callId: null });
  const accepted = volunteer.evaluate(
    (i) => (window as unknown as PageState).incoming[i]!.accept({}),
    calls - 1,
  );
  const answer = await blade.nextVerto('verto.answer');
  expect(answer.params).toMatchObject({ sessid: 'sess-1', dialogParams: { callID: leg } });
  await accepted;
  await takeFarEndAnswer(relay, String(answer.params?.sdp));
}

test('the SignalWire browser phone connects with project and JWT, answers with two-way audio, mutes, survives a re-attach, and ends on either side’s bye', async () => {
  const errors: string[] = [];
  const volunteer = await newPage(errors, 'volunteer');
  const relay = await newPage(errors, 'relay');

  expect(await register(volunteer)).toBe('registered');
  const connect = blade.requests.find((r) => r.method === 'blade.connect');
  expect(connect?.params?.authentication).toEqual({ project: PROJECT, jwt_token: TOKEN });

  // Call 1: audio both ways; SignalWire hangs up (the caller left, or another leg won).
  await ringAndAnswer(volunteer, relay, 'leg-1', 1);
  const atVolunteer = await expectAudioArrives(volunteer, 'the volunteer (from the caller side)');
  const atRelay = await expectAudioArrives(relay, 'the caller side (from the volunteer)');
  expect(atVolunteer.connection).toBe('connected');
  expect(atRelay.connection).toBe('connected');
  // Answered and up: the app is told once, and the card's network indicator and transcription
  // read the call's own connection, microphone and the caller's audio.
  expect(await volunteer.evaluate(() => (window as unknown as PageState).connected)).toBe(1);
  const read = await volunteer.evaluate(async () => {
    const call = (window as unknown as PageState).incoming[0]!;
    const report = await call.statsSource()!.getStats();
    const inbound = [...report.values()].find((s) => s.type === 'inbound-rtp' && s.kind === 'audio');
    return {
      microphone: call.localStream()?.getAudioTracks().length ?? 0,
      caller: call.remoteStream()?.getAudioTracks().length ?? 0,
      packetsReceived: (inbound?.packetsReceived as number | undefined) ?? 0,
    };
  });
  expect(read.microphone).toBe(1);
  expect(read.caller).toBe(1);
  expect(read.packetsReceived).toBeGreaterThan(0);

  // Mute disables the microphone track: what reaches the caller side stops carrying energy
  // (a trace of it remains: the decoder's concealment as the stream turns silent).
  const energyOver = async (ms: number) => {
    const from = (await received(relay))[0]!.energy;
    await volunteer.waitForTimeout(ms);
    return (await received(relay))[0]!.energy - from;
  };
  const speaking = await energyOver(1_500);
  await volunteer.evaluate(() => (window as unknown as PageState).incoming[0]!.mute(true));
  await volunteer.waitForTimeout(1_000);
  const muted = await energyOver(1_500);
  expect(speaking).toBeGreaterThan(0.05);
  expect(muted).toBeLessThan(speaking / 10);

  blade.bye('leg-1');
  await expect.poll(() => endedCount(volunteer)).toBe(1);
  await relay.evaluate(() => (window as unknown as { farEnd: RTCPeerConnection }).farEnd.close());

  // Call 2: the volunteer hangs up in the browser; SignalWire gets the Verto bye for that leg.
  const clearConnections = async () => {
    for (const page of [relay, volunteer])
      await page.evaluate(() => {
        (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.length = 0;
      });
  };
  await clearConnections();
  await ringAndAnswer(volunteer, relay, 'leg-2', 2);
  await expectAudioArrives(volunteer, 'the volunteer, second call');
  await expectAudioArrives(relay, 'the caller side, second call');

  // SignalWire re-attaches the answered call (as after the socket came back) with a new offer:
  // the SDK drops its call object and answers the new one; the app's call carries on, with audio.
  await relay.evaluate(() => (window as unknown as { farEnd: RTCPeerConnection }).farEnd.close());
  await clearConnections();
  blade.forget();
  blade.relay('verto.attach', {
    callID: 'leg-2',
    sdp: await makeFarEndOffer(relay),
    caller_id_name: 'Hotline',
    caller_id_number: '+15550001111',
    callee_id_name: IDENTITY,
    callee_id_number: IDENTITY,
    display_direction: 'outbound',
  });
  const attached = await blade.nextVerto('verto.attach');
  expect(attached.params).toMatchObject({ sessid: 'sess-1', dialogParams: { callID: 'leg-2' } });
  await takeFarEndAnswer(relay, String(attached.params?.sdp));
  await expectAudioArrives(volunteer, 'the volunteer, re-attached call');
  await expectAudioArrives(relay, 'the caller side, re-attached call');
  expect(await endedCount(volunteer)).toBe(1);
  expect(await volunteer.evaluate(() => (window as unknown as PageState).connected)).toBe(3);

  await volunteer.evaluate(() => (window as unknown as PageState).incoming[1]!.hangUp());
  const bye = await blade.nextVerto('verto.bye');
  expect(bye.params).toMatchObject({ dialogParams: { callID: 'leg-2' } });
  await expect.poll(() => endedCount(volunteer)).toBe(2);

  await volunteer.evaluate(() => (window as unknown as PageState).phone.unregister());
  expect(await volunteer.evaluate(() => (window as unknown as PageState).lastError ?? null)).toBeNull();
  expect(errors).toEqual([]);
});
