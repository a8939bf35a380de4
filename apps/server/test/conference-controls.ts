import type { TelephonyProvider } from '@llamenos/protocol';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { saveProviderCredentials } from '../src/settings/service.js';
import { parseTwiml, type Verb } from '../src/simulator/twiml.js';
import type { FakeTwilioApi, RecordedRequest } from '../src/telephony/simulator/fake-twilio-api.js';
import type { FakeConference } from '../src/telephony/simulator/fake-twilio-state.js';
import { type CallServer, startCallServer, testSdp, waitFor } from './calls-helpers.js';
import type { TestUser } from './helpers.js';
import { callerOnTheLine, twilioWebhook } from './twilio-webhooks.js';

/** What the shared tests use of a provider's fake API. */
export interface ControlsFake {
  readonly baseUrl: string;
  readonly requests: unknown[];
  close(): Promise<void>;
  call(id: string): { status: string } | undefined;
  setCallStatus(id: string, status: string): unknown;
}

/** The call's conference (Vonage: its conversation) as the shared tests read it: who is in it, held or muted. */
export interface ConferenceView {
  readonly status: string;
  readonly participants: ReadonlyMap<
    string,
    { readonly hold: boolean; readonly muted: boolean; readonly status: string }
  >;
}

/**
 * What differs between the providers whose calls are held, transferred and listened to inside a
 * conference through the Twilio-shaped API (Twilio, SignalWire): how the fake starts, the
 * credentials and the secret webhooks are signed with, where a volunteer's browser is rung, and
 * how the provider reads a <Dial><Conference>. A provider that is not Twilio-shaped (Vonage) gives
 * its own fake, the answered call's setup and its leg status callbacks (`answeredCall`,
 * `legStatus`, `statusCallbacksOf`); the shared tests then run on it unchanged.
 */
/** The requests a fake records (what a listener's creation is checked in). */
type RequestOf<Fake> = Fake extends { readonly requests: (infer R)[] } ? R : never;

export interface ConferenceProvider<
  Fake extends ControlsFake = FakeTwilioApi,
  Conf extends ConferenceView = FakeConference,
> {
  id: TelephonyProvider;
  credentials: Record<string, unknown>;
  number: string;
  signingSecret: string;
  startFake(): Promise<Fake>;
  /** Whether `to` is the address the provider rings `userId`'s browser at. */
  ringsBrowserOf(s: CallServer, userId: string, to: string): boolean;
  /**
   * Whether the answering volunteer's join ends the conference. Twilio can change it later (a
   * hand-over clears it); SignalWire cannot, so there the volunteer never ends it.
   */
  volunteerEndsConference: boolean;
  /** Whether the provider honours `muted` on <Conference> (SignalWire) or only on a Participants create. */
  readsMuted: boolean;
  /** Waits until `userId` is rung into the call (a transfer or hand-over) and returns that call's sid. */
  colleagueRung(s: CallServer, call: ConnectedCall<Conf>, userId: string): Promise<string>;
  /**
   * Waits until an admin listening in is rung, checks the request asks for a muted join that ends
   * nothing, and returns it with the listener's call sid.
   */
  listenerRung(
    s: CallServer,
    call: ConnectedCall<Conf>,
    userId: string,
  ): Promise<{ create: RequestOf<Fake>; leg: string }>;
  /** The status callbacks a listener's request asks for (default: its `StatusCallback` fields). */
  statusCallbacksOf?(create: RequestOf<Fake>): unknown[];
  /** Not Twilio-shaped: sets up the answered call (as `connectedCall` below does with TwiML). */
  answeredCall?(s: CallServer, fake: Fake): Promise<ConnectedCall<Conf>>;
  /** Not Twilio-shaped: the provider tells leg `leg`'s status to the URL it was given. */
  legStatus?(s: CallServer, leg: string, status: string): Promise<Response>;
  /** `userId`'s rung call `leg` picks up and joins the conference as the provider has it join. */
  colleaguePicksUp(s: CallServer, userId: string, leg: string): void;
  /** Setting up the answered call takes several round trips; on a loaded machine more than waitFor's 10 s. */
  setupMs: number;
  /** A whole test: the setup above plus the steps, under the same load. */
  testMs: number;
}

export interface ConnectedCall<Conf extends ConferenceView = FakeConference> {
  bea: TestUser;
  cy: TestUser;
  caller: string;
  beaLeg: string;
  callId: string;
  conference: Conf;
}

const actor = { pubkey: null, ipHash: null };

/** The <Conference> a document dials into, with the flags the provider reads from it. */
export function conferenceIn(xml: string): { name: string; attributes: Record<string, string> } {
  const dial = parseTwiml(xml).find((v) => v.name === 'Dial');
  const conference = dial?.children.find((c: Verb) => c.name === 'Conference');
  if (!conference) throw new Error(`no <Dial><Conference> in ${xml}`);
  return { name: conference.text, attributes: conference.attributes };
}

export const field = (r: RecordedRequest, name: string) =>
  r.form.filter(([k]) => k === name).map(([, v]) => v);

export const callRow = async (s: CallServer, callId: string) =>
  (await s.db.query('select * from calls where id = $1', [callId]))[0]!;

/** The id of `userId`'s first leg of the call (the colleague rung for a hand-over, or the volunteer who answered). */
export const legIdOf = async (s: CallServer, callId: string, userId: string) =>
  (
    await s.db.query<{ id: string }>(
      'select id from call_legs where call_id = $1 and user_id = $2 order by created_at limit 1',
      [callId, userId],
    )
  )[0]!.id;

export const audits = async (s: CallServer, action: string) =>
  s.db.query<{ details: Record<string, unknown> }>('select details from audit_log where action = $1', [
    action,
  ]);

export const hold = (s: CallServer, as: TestUser, id: string, onHold: boolean) =>
  s.request('POST', `/api/calls/${id}/hold`, { as, body: { onHold } });

/**
 * The shared fixture of one provider's conference-controls tests: registers the hooks that start
 * the fake once and close every server after each test, and returns the steps the tests share.
 */
/** The fixture `conferenceControlsOf` returns for a provider's fake and conference view. */
export type ConferenceControls<Fake extends ControlsFake, Conf extends ConferenceView> = ReturnType<
  typeof conferenceControlsOf<Fake, Conf>
>;

export function conferenceControls(provider: ConferenceProvider) {
  return conferenceControlsOf<FakeTwilioApi, FakeConference>(provider);
}

/**
 * The same for a provider with a fake of its own (Vonage, Plivo). Its fixture is declared with
 * the type below (`const h: ConferenceControls<Fake, Conf> = conferenceControlsOf(…)`), so the
 * provider's hooks may use the fixture they are part of.
 */
export function conferenceControlsOf<Fake extends ControlsFake, Conf extends ConferenceView>(
  provider: ConferenceProvider<Fake, Conf>,
) {
  let fake: Fake;
  // The TwiML steps below run only for a Twilio-shaped provider (no `answeredCall`), whose fake is the Twilio one.
  const twilio = () => fake as unknown as FakeTwilioApi;
  const servers: CallServer[] = [];
  const api = `/api/telephony/${provider.id}`;

  beforeAll(async () => {
    fake = await provider.startFake();
  });
  afterEach(async () => {
    for (const s of servers.splice(0).reverse()) await s.close();
    fake.requests.length = 0;
  });
  afterAll(async () => {
    await fake.close();
  });

  /** What the provider does with a document's <Dial><Conference>: the call joins as the attributes say. */
  function runConference(xml: string, callSid: string): FakeConference {
    const { name, attributes } = conferenceIn(xml);
    expect(attributes.beep).toBe('false');
    return twilio().state.joinConference(name, callSid, {
      startConferenceOnEnter: attributes.startConferenceOnEnter === 'true',
      endConferenceOnExit: attributes.endConferenceOnExit === 'true',
      muted: provider.readsMuted && attributes.muted === 'true',
    });
  }

  async function startServer(): Promise<CallServer> {
    const s = await startCallServer({ telephony: { [provider.id]: { apiBaseUrl: fake.baseUrl } } });
    servers.push(s);
    await saveProviderCredentials(s.ctx, actor, provider.id, {
      ...provider.credentials,
      phoneNumbers: [provider.number],
    });
    return s;
  }

  /** A signed webhook as the provider sends it (the Twilio construction under its signing secret). */
  const webhook = (s: CallServer, path: string, params: Record<string, string>) =>
    twilioWebhook(s.url, path, params, provider.signingSecret);

  /** A leg status callback as the provider sends it to the URL the leg was given. */
  const legStatus = (s: CallServer, callSid: string, CallStatus: string) =>
    provider.legStatus
      ? provider.legStatus(s, callSid, CallStatus)
      : webhook(s, twilio().call(callSid)!.statusCallback!, { CallSid: callSid, CallStatus });

  /**
   * A caller reaches the hotline's number and waits in the call's conference; Bea (browser, on
   * shift) is rung at her browser address, picks up, and starts the conference. Cy (browser, free)
   * comes on shift afterwards, so she was never rung for it.
   */
  async function connectedCall(s: CallServer): Promise<ConnectedCall<Conf>> {
    if (provider.answeredCall) return provider.answeredCall(s, fake);
    const tw = twilio();
    const bea = await s.addUser(['volunteer'], { preference: 'browser' });
    const cy = await s.addUser(['volunteer'], { preference: 'browser' });
    await s.putOnShift([bea.id]);
    const caller = callerOnTheLine(tw, provider.number, '+15551239876');
    const inbound = await webhook(s, `${api}/inbound`, {
      CallSid: caller.sid,
      From: caller.from,
      To: provider.number,
      CallStatus: 'ringing',
    });
    expect(inbound.status).toBe(200);
    expect(conferenceIn(inbound.body).attributes).toMatchObject({
      startConferenceOnEnter: 'false',
      endConferenceOnExit: 'true',
      waitMethod: 'POST',
    });
    const waiting = runConference(inbound.body, caller.sid);
    expect(waiting.status).toBe('init');
    const beaLeg = await waitFor(
      () => tw.calls.find((c) => provider.ringsBrowserOf(s, bea.id, c.to)) ?? null,
      "Bea's browser rung",
      provider.setupMs,
    );
    tw.setCallStatus(beaLeg.sid, 'in-progress');
    // A browser leg is not screened: its pickup takes the call and dials it into the conference.
    const screen = await webhook(s, beaLeg.url, { CallSid: beaLeg.sid });
    expect(conferenceIn(screen.body).attributes).toMatchObject({
      startConferenceOnEnter: 'true',
      endConferenceOnExit: String(provider.volunteerEndsConference),
    });
    const conference = runConference(screen.body, beaLeg.sid);
    expect(conference).toBe(waiting);
    expect(conference.status).toBe('in-progress');
    const [row] = await s.db.query<{ id: string; status: string }>(
      'select id, status from calls where provider_call_id = $1',
      [caller.sid],
    );
    expect(row!.status).toBe('answered');
    await s.putOnShift([bea.id, cy.id]);
    await s.settle();
    const call: ConnectedCall = {
      bea,
      cy,
      caller: caller.sid,
      beaLeg: beaLeg.sid,
      callId: row!.id,
      conference,
    };
    return call as unknown as ConnectedCall<Conf>;
  }

  /** The same at every provider: a colleague who does not pick up gives the caller back to Bea. */
  function itBringsTheCallerBackWhenTheColleagueDeclines() {
    it(
      'brings the caller back to the first volunteer when the colleague declines',
      async () => {
        const s = await startServer();
        const call = await connectedCall(s);
        const { bea, cy, caller, beaLeg, callId, conference } = call;
        const transfer = s.request('POST', `/api/calls/${callId}/transfer`, { as: bea, body: { to: cy.id } });
        const cyLeg = await provider.colleagueRung(s, call, cy.id);
        fake.setCallStatus(cyLeg, 'busy');
        const answer = await transfer;
        expect(answer.status).toBe(409);
        expect((await answer.json()).error).toMatchObject({
          message: expect.stringMatching(/did not pick up/),
          details: { reason: 'not-picked-up' },
        });
        expect(await callRow(s, callId)).toMatchObject({ answered_by: bea.id });
        expect([...conference.participants.keys()].sort()).toEqual([beaLeg, caller].sort());
        expect(conference.participants.get(caller)!.hold).toBe(false);
        expect(await audits(s, 'calls.transferred')).toEqual([]);
        await legStatus(s, cyLeg, 'busy');
        await s.settle();
        expect((await callRow(s, callId)).ended_at).toBeNull();
      },
      provider.testMs,
    );
  }

  /** The same at every provider: after a consultation the hand-over rings the colleague into the call. */
  function itHandsOverAfterTheConsultation(title: string) {
    it(
      title,
      async () => {
        const s = await startServer();
        const call = await connectedCall(s);
        const { bea, cy, caller, callId, conference } = call;
        const post = (as: TestUser, path: string, body?: unknown) =>
          s.request('POST', `/api/calls/${callId}/warm-transfer${path}`, { as, body });
        expect((await post(bea, '', { to: cy.id, sdp: testSdp('consult') })).status).toBe(204);
        expect(conference.participants.get(caller)!.hold).toBe(true);
        expect((await post(cy, '/accept', { sdp: testSdp('consult-answer') })).status).toBe(204);
        const handOver = post(bea, '/hand-over');
        const cyLeg = await provider.colleagueRung(s, call, cy.id);
        provider.colleaguePicksUp(s, cy.id, cyLeg);
        expect((await handOver).status).toBe(204);
        expect(await callRow(s, callId)).toMatchObject({ answered_by: cy.id });
        expect([...conference.participants.keys()].sort()).toEqual([caller, cyLeg].sort());
        expect(conference.participants.get(caller)!.hold).toBe(false);
        await s.settle();
      },
      provider.testMs,
    );
  }

  /** The same at every provider: an admin listens in muted, unheard and unseen by the router. */
  function itLetsAnAdminListenSilently(title: string) {
    it(
      title,
      async () => {
        const s = await startServer();
        const call = await connectedCall(s);
        const { bea, caller, beaLeg, callId, conference } = call;
        await s.setSettings((x) => ({ ...x, calls: { ...x.calls, silentSupervision: true } }));
        const ada = await s.addUser(['admin'], { preference: 'browser' });
        const live = await (await s.request('GET', '/api/calls/supervision/live', { as: ada })).json();
        expect(live.calls).toEqual([expect.objectContaining({ callId, throughProvider: provider.id })]);

        const listen = s.request('POST', `/api/calls/${callId}/supervision/phone`, { as: ada });
        const { create, leg: adaLeg } = await provider.listenerRung(s, call, ada.id);
        // A listener is no leg of the call: the provider tells nothing about it to the router.
        const callbacks = provider.statusCallbacksOf
          ? provider.statusCallbacksOf(create)
          : field(create as unknown as RecordedRequest, 'StatusCallback');
        expect(callbacks).toEqual([]);
        provider.colleaguePicksUp(s, ada.id, adaLeg);
        expect((await listen).status).toBe(204);
        expect(conference.participants.get(adaLeg)).toMatchObject({ muted: true, status: 'connected' });
        expect(conference.participants.get(caller)!.hold).toBe(false);
        const request = await s.request('GET', `/api/calls/${callId}/supervision/request`, { as: bea });
        expect(await request.json()).toMatchObject({ listening: true, offer: null });

        expect((await s.request('POST', `/api/calls/${callId}/supervision/stop`, { as: ada })).status).toBe(
          204,
        );
        expect(fake.call(adaLeg)!.status).toBe('completed');
        // The listener leaving ends nothing.
        expect([...conference.participants.keys()].sort()).toEqual([beaLeg, caller].sort());
        expect(conference.status).toBe('in-progress');
        expect((await audits(s, 'calls.supervision-started')).map((a) => a.details)).toEqual([{ callId }]);
        expect((await audits(s, 'calls.supervision-stopped')).map((a) => a.details)).toEqual([{ callId }]);
        await s.settle();
      },
      provider.testMs,
    );
  }

  return {
    /** The fake, started before the first test. */
    get fake() {
      return fake;
    },
    api,
    startServer,
    runConference,
    webhook,
    legStatus,
    connectedCall,
    colleagueRung: provider.colleagueRung,
    itBringsTheCallerBackWhenTheColleagueDeclines,
    itHandsOverAfterTheConsultation,
    itLetsAnAdminListenSilently,
  };
}
