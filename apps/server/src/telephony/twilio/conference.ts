import { ProviderHttpError, TelephonyInputError } from '../errors.js';
import type { ProviderHttp } from '../http.js';
import type { CallControl, ConnectedCall, ConnectedCallControl, VolunteerLegRequest } from '../provider.js';
import { checkDialIn, handOverLegs, requireCallbackUrl, requireId } from '../validate.js';
import { element, XML_DECLARATION } from '../xml.js';
import type { TwilioIdForms } from './events.js';

/**
 * Hold, hand-over and silent listening of a connected Twilio call (docs/CALLS.md, "Call controls
 * on provider calls"), through the Conferences and Participants resources of the 2010-04-01 API.
 * A connected call is a conference named after the call's waiting room (twiml.ts renders the
 * caller's wait and the volunteer's connect as participants of it): the caller joins it first,
 * waiting with the hold document until a volunteer starts it; the volunteer on the call and the
 * caller end it when they leave, so nobody stays alone in silence.
 *
 * - Hold: the caller's participant `Hold=true` with `HoldUrl` (the caller hears the wait
 *   document, the volunteer nothing); resume `Hold=false`.
 * - Hand-over: the colleague's browser is dialled into the conference as a new participant (not
 *   ending it on exit, so a colleague who drops before the hand-over leaves the caller with the
 *   first volunteer); once they picked up, the first volunteer's participant stops ending the
 *   conference and is removed, the colleague's starts ending it, and the caller comes off hold.
 * - Listening: an admin's browser is dialled in as a muted participant that never ends it.
 *
 * Everything lives at Twilio (which conference, who is in it, who is held), so any server process
 * may act on a call; a pick-up is learnt by asking Twilio, never from this process's memory.
 *
 * SignalWire's compatibility API has the same Conferences and Participants resources with two
 * gaps (`LAML_CONFERENCES`): no Participants create, so a browser is dialled in as a call of its
 * own whose inline document joins the conference; and no `EndConferenceOnExit` in a participant
 * update, so there a volunteer joins not ending the conference, and the router hangs up the caller
 * when the answering volunteer's leg ends (end.ts), as it does on every provider.
 */

/** What differs between Twilio's conference API and SignalWire's compatibility copy of it. */
export interface ConferenceApi {
  /** A conference's sid: Twilio "CF…", SignalWire a UUID. */
  conferenceId: RegExp;
  /**
   * How a browser is dialled in: Twilio's Participants create ('participant'); SignalWire has
   * none, so a call is created whose inline document (`Twiml`) joins the conference ('call').
   */
  dialIn: 'participant' | 'call';
  /** Whether a participant's EndConferenceOnExit can be changed after it joined (Twilio only). */
  endOnExitUpdatable: boolean;
}

export const TWILIO_CONFERENCES: ConferenceApi = {
  conferenceId: /^CF[0-9a-fA-F]{32}$/,
  dialIn: 'participant',
  endOnExitUpdatable: true,
};

export const LAML_CONFERENCES: ConferenceApi = {
  conferenceId: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  dialIn: 'call',
  endOnExitUpdatable: false,
};

/** The same names the waiting room takes (twiml.ts): the call's `queue`. */
const CONFERENCE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** A participant's call ends with these: it will not pick up any more. */
const ENDED = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);
/** A participant in the conference: Twilio says "connected", SignalWire "in-progress". */
const JOINED = new Set(['connected', 'in-progress']);
/** How often a ringing participant is asked after (Twilio's REST rate limits allow far more). */
const PICKUP_POLL_MS = 500;

interface TwilioConferenceConfig {
  http: ProviderHttp;
  accountSid: string;
  ids: TwilioIdForms;
  /** Default Twilio's. */
  api?: ConferenceApi;
  /** The `To` that rings a browser identity (rest.ts's `client:` address with the call id). */
  browserAddress: (identity: string, hotlineCall: string | null) => string;
  /** Ends a participant's call that is still ringing or up (rest.ts cancelLeg). */
  cancelLeg: CallControl['cancelLeg'];
}

/** A participant as Twilio shows it, the fields we read. */
interface Participant {
  hold: boolean;
  status: string;
}

export class TwilioConferences implements ConnectedCallControl {
  private readonly provider: string;
  private readonly accountPath: string;
  private readonly api: ConferenceApi;

  constructor(private readonly config: TwilioConferenceConfig) {
    this.provider = config.ids.provider;
    this.accountPath = `/Accounts/${encodeURIComponent(config.accountSid)}`;
    this.api = config.api ?? TWILIO_CONFERENCES;
  }

  private refuse(operation: string, message: string): never {
    throw new TelephonyInputError(this.provider, operation, message);
  }

  private callSid(operation: string, field: string, value: string): string {
    return requireId(this.provider, operation, field, value, this.config.ids.call);
  }

  /** The SID of the call's conference while it is in progress; a refusal (409) when there is none. */
  private async conferenceOf(operation: string, call: ConnectedCall): Promise<string> {
    if (!CONFERENCE_NAME.test(call.queue)) this.refuse(operation, 'not a conference name');
    const query = new URLSearchParams({ FriendlyName: call.queue, Status: 'in-progress' });
    const { data } = await this.config.http.json({
      operation,
      method: 'GET',
      path: `${this.accountPath}/Conferences.json?${query}`,
    });
    const list = Array.isArray(data.conferences) ? (data.conferences as { sid?: unknown }[]) : [];
    const sid = list
      .map((c) => c?.sid)
      .find((s): s is string => typeof s === 'string' && this.api.conferenceId.test(s));
    return sid ?? this.refuse(operation, 'the call is not connected in its conference');
  }

  private participantPath(conference: string, callSid: string): string {
    return `${this.accountPath}/Conferences/${conference}/Participants/${callSid}.json`;
  }

  /** The participant, or null when the call is not (or no longer) in the conference. */
  private async participant(
    operation: string,
    conference: string,
    callSid: string,
  ): Promise<Participant | null> {
    const data = await this.config.http.getIfPresent({
      operation,
      path: this.participantPath(conference, callSid),
    });
    if (!data) return null;
    return { hold: data.hold === true, status: typeof data.status === 'string' ? data.status : '' };
  }

  private async updateParticipant(
    operation: string,
    conference: string,
    callSid: string,
    form: [string, string][],
  ): Promise<void> {
    await this.config.http.json({
      operation,
      method: 'POST',
      path: this.participantPath(conference, callSid),
      form,
    });
  }

  async holdCaller(call: ConnectedCall, onHold: boolean): Promise<{ onHold: boolean; changed: boolean }> {
    const op = onHold ? 'hold' : 'resume';
    const caller = this.callSid(op, 'caller leg', call.callerLegId);
    const form: [string, string][] = onHold
      ? [
          ['Hold', 'true'],
          ['HoldUrl', requireCallbackUrl(this.provider, op, 'holdUrl', call.holdUrl ?? '')],
          ['HoldMethod', 'POST'],
        ]
      : [['Hold', 'false']];
    const conference = await this.conferenceOf(op, call);
    const now = await this.participant(op, conference, caller);
    if (!now) this.refuse(op, 'the caller is not in the call');
    if (now.hold === onHold) return { onHold, changed: false };
    await this.updateParticipant(op, conference, caller, form);
    return { onHold, changed: true };
  }

  /**
   * Dials a browser into the call's conference: on Twilio its pickup joins it without any document
   * of ours; on SignalWire its call carries the document that joins it (`joinDocument`).
   */
  private async addBrowser(
    operation: string,
    request: VolunteerLegRequest,
    call: ConnectedCall | undefined,
    as: { muted: boolean; reportStatus: boolean },
  ): Promise<{ legId: string }> {
    const leg = checkDialIn(this.provider, operation, request, 600, as.reportStatus);
    if (!call) this.refuse(operation, 'the call to join is missing');
    const ring: [string, string][] = [
      ['From', leg.from],
      ['To', this.config.browserAddress(leg.browser, leg.hotlineCall)],
      ['Timeout', String(leg.timeoutSeconds)],
    ];
    const status: [string, string][] = leg.statusUrl
      ? [
          ['StatusCallback', leg.statusUrl],
          ['StatusCallbackMethod', 'POST'],
          // No "answered": the pickup is not a race (the call is answered already) but a
          // hand-over, learnt by handOverAnswered; ringing and the end arrive as any leg's do
          // (no "initiated": nothing acts on it, rest.ts LEG_EVENTS).
          ['StatusCallbackEvent', 'ringing'],
          ['StatusCallbackEvent', 'completed'],
        ]
      : [];
    const conference = await this.conferenceOf(operation, call);
    const byParticipant = this.api.dialIn === 'participant';
    const { data } = await this.config.http.json({
      operation,
      method: 'POST',
      path: byParticipant
        ? `${this.accountPath}/Conferences/${conference}/Participants.json`
        : `${this.accountPath}/Calls.json`,
      form: byParticipant
        ? [
            ...ring,
            ['Beep', 'false'],
            ['StartConferenceOnEnter', 'true'],
            // Until the hand-over is done the colleague's leaving must not end the caller's call.
            ['EndConferenceOnExit', 'false'],
            ['Muted', as.muted ? 'true' : 'false'],
            ['EarlyMedia', 'false'],
            ...status,
          ]
        : [...ring, ['Twiml', joinDocument(call.queue, as.muted)], ...status],
    });
    const sid = byParticipant ? data.call_sid : data.sid;
    if (typeof sid !== 'string' || !this.config.ids.call.test(sid))
      this.refuse(operation, 'the answer has no valid call sid');
    return { legId: sid };
  }

  ringHandOverLeg = (request: VolunteerLegRequest, call?: ConnectedCall): Promise<{ legId: string }> =>
    this.addBrowser('transfer', request, call, { muted: false, reportStatus: true });

  /**
   * Asks the provider until the participant is in the conference (true), its call ended or the
   * conference did (false), or `timeoutMs` passed (false, and the ringing is stopped). Asking
   * rather than waiting for a callback: the callback may reach another server process than the
   * one whose request waits.
   */
  async handOverAnswered(legId: string, timeoutMs: number, call?: ConnectedCall): Promise<boolean> {
    const op = 'hand-over pickup';
    const sid = this.callSid(op, 'leg', legId);
    if (!call) this.refuse(op, 'the call to join is missing');
    const deadline = Date.now() + timeoutMs;
    // A conference that ended meanwhile (the caller hung up) answers 404 for every participant;
    // Twilio ends the calls it dialled into it, a SignalWire leg still ringing is stopped below.
    const conference = await this.conferenceOf(op, call).catch((error: unknown) => {
      if (error instanceof TelephonyInputError) return null;
      throw error;
    });
    // None any more (the caller hung up before the first look): nothing to hand over to.
    while (conference !== null) {
      const participant = await this.participant(op, conference, sid);
      if (participant && JOINED.has(participant.status)) return true;
      if (!participant) {
        if (ENDED.has(await this.callStatus(op, sid))) return false;
        if (!(await this.conferenceLive(op, conference))) break;
      }
      if (Date.now() + PICKUP_POLL_MS > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, PICKUP_POLL_MS));
    }
    await this.config.cancelLeg(sid).catch(() => {});
    return false;
  }

  /** Whether the conference is still going on (not ended by the caller leaving). */
  private async conferenceLive(operation: string, conference: string): Promise<boolean> {
    const data = await this.config.http.getIfPresent({
      operation,
      path: `${this.accountPath}/Conferences/${conference}.json`,
    });
    return data !== null && data.status !== 'completed';
  }

  private async callStatus(operation: string, sid: string): Promise<string> {
    const data = await this.config.http.getIfPresent({
      operation,
      path: `${this.accountPath}/Calls/${sid}.json`,
    });
    if (!data) return 'completed';
    return typeof data.status === 'string' ? data.status : '';
  }

  async handOver(call: ConnectedCall, toLegId: string): Promise<void> {
    const op = 'hand over';
    const { first, next, caller } = handOverLegs(call, toLegId, (field, value) =>
      this.callSid(op, field, value),
    );
    const conference = await this.conferenceOf(op, call);
    // The first volunteer leaves without ending the caller's call (on SignalWire they joined so)…
    try {
      if (this.api.endOnExitUpdatable)
        await this.updateParticipant(op, conference, first, [['EndConferenceOnExit', 'false']]);
      await this.config.http.deleteIfPresent({
        operation: op,
        path: this.participantPath(conference, first),
      });
    } catch (error) {
      // Already gone (hung up meanwhile): nothing to remove.
      if (!(error instanceof ProviderHttpError && error.status === 404)) throw error;
    }
    // …the colleague is now the one whose leaving ends it, and the caller comes back off hold.
    if (this.api.endOnExitUpdatable)
      await this.updateParticipant(op, conference, next, [['EndConferenceOnExit', 'true']]);
    await this.updateParticipant(op, conference, caller, [['Hold', 'false']]);
  }

  async listen(
    call: ConnectedCall,
    listener: VolunteerLegRequest,
    timeoutMs: number,
  ): Promise<{ legId: string } | null> {
    // Muted: nobody on the call can hear the listener; never ending the call when it leaves.
    const { legId } = await this.addBrowser('listen', listener, call, { muted: true, reportStatus: false });
    return (await this.handOverAnswered(legId, timeoutMs, call)) ? { legId } : null;
  }

  async stopListening(_call: ConnectedCall, listenerLegId: string): Promise<void> {
    // Hanging up the listener's call takes it out of the conference (ringing or connected).
    await this.config.cancelLeg(this.callSid('stop listening', 'leg', listenerLegId));
  }
}

/**
 * The document of a browser dialled in as a call (SignalWire): it joins the call's conference,
 * not ending it on leaving, without beeps; muted for a listener. Hung up once the <Dial> ends
 * (removed from the conference, or the conference ended).
 */
function joinDocument(queue: string, muted: boolean): string {
  const conference = element(
    'Conference',
    {
      beep: 'false',
      startConferenceOnEnter: 'true',
      endConferenceOnExit: 'false',
      muted: muted ? 'true' : 'false',
    },
    { text: queue },
  );
  return `${XML_DECLARATION}${element('Response', {}, [element('Dial', {}, [conference]), element('Hangup')])}`;
}
