import { expect, type Page, test } from '@playwright/test';
import { SipWebSocketDouble } from '../apps/server/test/fakes/sip-websocket.js';
import { expectAudioArrives, received } from './call-audio-helpers.js';
import {
  makeFarEndOffer,
  type PhoneModulePage,
  servePhoneModule,
  takeFarEndAnswer,
} from './phone-module-page.js';

/**
 * The Asterisk browser phone (apps/web/src/lib/calls/provider-phone/sip.ts) in Chromium with
 * real audio: the page registers with JsSIP at the SIP-over-WebSocket double on loopback with
 * the credential's digest username and password (a wrong password is refused), the double
 * sends an INVITE whose offer comes from a second page's RTCPeerConnection (standing in for
 * Asterisk's media), the volunteer answers with the fake microphone, and audio energy arrives
 * both ways; the hotline's BYE ends one call, the volunteer's hang-up the next.
 *
 * sip.ts is bundled on its own for a small page, not driven through the app: the credential
 * route's schema requires wss://, and the app loop with the Asterisk adapter against the fake
 * ARI (which has no media) is left to the server tests (calls/browser-legs-ari.test.ts).
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
interface PageState {
  createProviderPhone(credential: object, events: object): Promise<PagePhone>;
  phone: PagePhone;
  incoming: PageCall[];
  ended: number;
  connected: number;
  lastError?: string;
}
interface PagePhone {
  register(): Promise<void>;
  unregister(): Promise<void>;
}

const IDENTITY = `v${'5'.repeat(24)}`;
const PASSWORD = 'a1'.repeat(16);
const HOTLINE_CALL = '7d1e2c3b-0000-4000-8000-000000000001';

let sip: SipWebSocketDouble;
let phones: PhoneModulePage;

test.beforeAll(async () => {
  sip = await SipWebSocketDouble.start();
  sip.credentials.set(IDENTITY, PASSWORD);
  phones = await servePhoneModule('sip.ts', 'createProviderPhone');
});

test.afterAll(async () => {
  await phones?.close();
  await sip?.close();
});

const newPage = (errors: string[], label: string): Promise<Page> => phones.newPage(errors, label);

/** Builds the phone in the page from a credential (the double's ws:// URL) and registers it. */
const register = (page: Page, password: string) =>
  page.evaluate(
    async ({ url, identity, password }) => {
      const w = window as unknown as PageState;
      w.incoming = [];
      w.ended = 0;
      w.connected = 0;
      const phone = await w.createProviderPhone(
        {
          provider: 'asterisk',
          identity,
          webSocketUrl: url,
          sipUri: `sip:${identity}@127.0.0.1`,
          username: identity,
          password,
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
    { url: sip.url, identity: IDENTITY, password },
  );

const incomingCount = (page: Page) =>
  page.evaluate(() => (window as unknown as { incoming: unknown[] }).incoming.length);
const endedCount = (page: Page) => page.evaluate(() => (window as unknown as { ended: number }).ended);

/** Rings the volunteer's page from the "Asterisk" page's offer; the volunteer answers. */
async function ringAndAnswer(volunteer: Page, pbx: Page, calls: number): Promise<void> {
  const offer = await makeFarEndOffer(pbx);
  const inviting = sip.invite(IDENTITY, { sdp: offer, headers: [['X-Llamenos-Call', HOTLINE_CALL]] });
  await expect.poll(() => incomingCount(volunteer)).toBe(calls);
  expect(
    await volunteer.evaluate(
      (i) => (window as unknown as { incoming: { provider: string; callId: string }[] }).incoming[i]!,
      calls - 1,
    ),
  ).toMatchObject({ provider: 'asterisk', callId: HOTLINE_CALL });
  await volunteer.evaluate(
    (i) =>
      (window as unknown as { incoming: { accept(o: object): Promise<void> }[] }).incoming[i]!.accept({}),
    calls - 1,
  );
  expect(await inviting).toBe(200);
  await takeFarEndAnswer(pbx, sip.answerSdp!);
}

test('the Asterisk browser phone registers, answers with two-way audio, mutes, and ends on either side’s BYE', async () => {
  const errors: string[] = [];
  const volunteer = await newPage(errors, 'volunteer');
  const pbx = await newPage(errors, 'pbx');

  // A wrong password is refused (403 after the digest challenge); the issued one registers.
  expect(await register(volunteer, 'f'.repeat(32))).toMatch(/registration/);
  expect(sip.registrations.has(IDENTITY)).toBe(false);
  expect(await register(volunteer, PASSWORD)).toBe('registered');
  expect(sip.log).toContain('REGISTER refused');
  expect(sip.log).toContain('REGISTER accepted');

  // Call 1: audio both ways; the hotline hangs up (the caller left, or another leg won).
  await ringAndAnswer(volunteer, pbx, 1);
  const atVolunteer = await expectAudioArrives(volunteer, 'the volunteer (from the caller side)');
  const atPbx = await expectAudioArrives(pbx, 'the caller side (from the volunteer)');
  expect(atVolunteer.connection).toBe('connected');
  expect(atPbx.connection).toBe('connected');
  // The caller's audio is there for the speaker choice and local transcription.
  expect(
    await volunteer.evaluate(
      () =>
        (
          window as unknown as { incoming: { remoteStream(): MediaStream | null }[] }
        ).incoming[0]!.remoteStream()?.getAudioTracks().length ?? 0,
    ),
  ).toBe(1);
  // Answered and up: the app is told once, and the card's network indicator and transcription
  // read the call's own connection and microphone.
  expect(await volunteer.evaluate(() => (window as unknown as PageState).connected)).toBe(1);
  const read = await volunteer.evaluate(async () => {
    const call = (window as unknown as PageState).incoming[0]!;
    const report = await call.statsSource()!.getStats();
    const inbound = [...report.values()].find((s) => s.type === 'inbound-rtp' && s.kind === 'audio');
    return {
      microphone: call.localStream()?.getAudioTracks().length ?? 0,
      packetsReceived: (inbound?.packetsReceived as number | undefined) ?? 0,
    };
  });
  expect(read.microphone).toBe(1);
  expect(read.packetsReceived).toBeGreaterThan(0);

  // Mute disables the microphone track: what reaches the caller side stops carrying energy
  // (a trace of it remains: the decoder's concealment as the stream turns silent).
  const energyOver = async (ms: number) => {
    const from = (await received(pbx))[0]!.energy;
    await volunteer.waitForTimeout(ms);
    return (await received(pbx))[0]!.energy - from;
  };
  const speaking = await energyOver(1_500);
  await volunteer.evaluate(() => (window as unknown as PageState).incoming[0]!.mute(true));
  await volunteer.waitForTimeout(1_000);
  const muted = await energyOver(1_500);
  expect(speaking).toBeGreaterThan(0.05);
  expect(muted).toBeLessThan(speaking / 10);

  expect(await sip.bye()).toBe(200);
  await expect.poll(() => endedCount(volunteer)).toBe(1);
  await pbx.evaluate(() => (window as unknown as { farEnd: RTCPeerConnection }).farEnd.close());

  // Call 2: the volunteer hangs up in the browser; the hotline gets the BYE.
  await pbx.evaluate(() => {
    (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.length = 0;
  });
  await volunteer.evaluate(() => {
    (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.length = 0;
  });
  await ringAndAnswer(volunteer, pbx, 2);
  await expectAudioArrives(volunteer, 'the volunteer, second call');
  await expectAudioArrives(pbx, 'the caller side, second call');
  const bye = sip.nextByeFromBrowser();
  await volunteer.evaluate(() =>
    (window as unknown as { incoming: { hangUp(): void }[] }).incoming[1]!.hangUp(),
  );
  await bye;
  await expect.poll(() => endedCount(volunteer)).toBe(2);

  // Signing out unregisters (REGISTER with Expires: 0) and closes the socket.
  await volunteer.evaluate(() =>
    (window as unknown as { phone: { unregister(): Promise<void> } }).phone.unregister(),
  );
  expect(errors).toEqual([]);
});
