import { randomBytes, randomUUID } from 'node:crypto';
import type { LegStatus } from '../provider.js';

/**
 * What the fake Twilio API knows: the calls it was asked to place and the recordings it holds,
 * with Twilio's rules for which status changes a call accepts. Kept apart from the HTTP layer
 * so the simulated carrier can drive calls (ring, answer, hang up) directly.
 */
export type IdStyle = 'twilio' | 'uuid';

export interface FakeCall {
  sid: string;
  to: string;
  from: string;
  /** Where the call fetches its document when answered (the latest redirect wins). */
  url: string;
  statusCallback: string | null;
  statusCallbackEvents: string[];
  timeoutSeconds: number;
  status: LegStatus;
  createdAt: Date;
  /** Every URL the call was redirected to, in order. */
  redirects: string[];
}

export interface FakeRecording {
  sid: string;
  callSid: string;
  bytes: Uint8Array;
  contentType: string;
  durationSeconds: number;
  deleted: boolean;
}

export type CallChange = { type: 'created' | 'updated'; call: FakeCall };

/** A participant of a fake conference: joined by <Dial><Conference> or added over the Participants resource. */
export interface FakeParticipant {
  callSid: string;
  /** 'ringing' until an added participant's call picks up; then (and for TwiML joiners) 'connected'. */
  status: 'ringing' | 'connected';
  hold: boolean;
  holdUrl: string | null;
  muted: boolean;
  startConferenceOnEnter: boolean;
  endConferenceOnExit: boolean;
  /** Every form a participant update carried, in order (tests read what was asked). */
  updates: [string, string][][];
}

export interface FakeConference {
  sid: string;
  friendlyName: string;
  /** Twilio's words: 'init' until a participant that starts it joins, then 'in-progress', then 'completed'. */
  status: 'init' | 'in-progress' | 'completed';
  participants: Map<string, FakeParticipant>;
  createdAt: Date;
}

export type ConferenceJoin = Pick<
  FakeParticipant,
  'startConferenceOnEnter' | 'endConferenceOnExit' | 'muted'
>;

const ENDED: ReadonlySet<LegStatus> = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

/** The StatusCallbackEvent that reports each status (Twilio's words: "answered" is in-progress, "completed" any end). */
const EVENT_OF: Record<LegStatus, string> = {
  queued: 'initiated',
  ringing: 'ringing',
  'in-progress': 'answered',
  completed: 'completed',
  busy: 'completed',
  'no-answer': 'completed',
  failed: 'completed',
  canceled: 'completed',
};

/**
 * Whether Twilio calls the call's StatusCallback back about `status`: only for the events the
 * create request listed, and with none listed only for the end ("completed"), as Twilio does.
 * The simulated carriers ask this before each status callback, so what the hotline asks for is
 * what it gets (and what the calls bench measures).
 */
export function reportsStatus(
  call: Pick<FakeCall, 'statusCallback' | 'statusCallbackEvents'>,
  status: LegStatus,
): boolean {
  if (!call.statusCallback) return false;
  const events = call.statusCallbackEvents.length ? call.statusCallbackEvents : ['completed'];
  return events.includes(EVENT_OF[status]);
}

/** A Twilio-style error: HTTP status, Twilio's numeric code, message. */
export class FakeApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const newSid = (style: IdStyle, prefix: 'CA' | 'RE' | 'CF') =>
  style === 'uuid' ? randomUUID() : `${prefix}${randomBytes(16).toString('hex')}`;

export class FakeTwilioState {
  readonly calls = new Map<string, FakeCall>();
  readonly recordings = new Map<string, FakeRecording>();
  readonly conferences = new Map<string, FakeConference>();
  private readonly listeners = new Set<(change: CallChange) => void>();

  constructor(private readonly idStyle: IdStyle) {}

  /** Hears of every call created or changed (the simulated carrier rings phones from this). */
  onCallChange(listener: (change: CallChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(type: CallChange['type'], call: FakeCall): void {
    if (type === 'updated') this.conferenceSeesCall(call);
    for (const listener of this.listeners) listener({ type, call });
  }

  createCall(input: Omit<FakeCall, 'sid' | 'status' | 'createdAt' | 'redirects'>): FakeCall {
    const call: FakeCall = {
      ...input,
      sid: newSid(this.idStyle, 'CA'),
      status: 'queued',
      createdAt: new Date(),
      redirects: [],
    };
    this.calls.set(call.sid, call);
    this.emit('created', call);
    return call;
  }

  private live(sid: string): FakeCall {
    const call = this.calls.get(sid);
    if (!call) throw new FakeApiError(404, 20404, `The requested resource was not found`);
    if (ENDED.has(call.status))
      throw new FakeApiError(400, 21220, 'Call is not in-progress. Cannot redirect.');
    return call;
  }

  /**
   * Twilio's update rules: Status=canceled ends a queued or ringing call and leaves an answered
   * one as it is; Status=completed ends any live call; Url moves a live call to a new document.
   * Changing an ended call is error 21220.
   */
  updateCall(sid: string, update: { status?: string; url?: string }): FakeCall {
    const call = this.live(sid);
    if (update.status === 'canceled') {
      if (call.status === 'queued' || call.status === 'ringing') call.status = 'canceled';
    } else if (update.status === 'completed') {
      call.status = 'completed';
    } else if (update.status !== undefined) {
      throw new FakeApiError(400, 21218, 'Invalid Status');
    }
    if (update.url !== undefined) {
      call.url = update.url;
      call.redirects.push(update.url);
    }
    this.emit('updated', call);
    return call;
  }

  /** Moves a call along as the network would (ringing, answered, busy, hung up). */
  setCallStatus(sid: string, status: LegStatus): FakeCall {
    const call = this.calls.get(sid);
    if (!call) throw new Error(`no fake call ${sid}`);
    call.status = status;
    this.emit('updated', call);
    return call;
  }

  // -------------------------------------------------------------------------------------------
  // Conferences (Twilio's rules, as far as the hotline uses them)

  /** The conference not yet completed with this name, if any (Twilio reuses a name only after it ends). */
  conferenceNamed(name: string): FakeConference | undefined {
    return [...this.conferences.values()].find((c) => c.friendlyName === name && c.status !== 'completed');
  }

  /** What <Dial><Conference> does for a call that runs it: joins (creating the conference if needed). */
  joinConference(name: string, callSid: string, join: ConferenceJoin): FakeConference {
    let conference = this.conferenceNamed(name);
    if (!conference) {
      conference = {
        sid: newSid(this.idStyle, 'CF'),
        friendlyName: name,
        status: 'init',
        participants: new Map(),
        createdAt: new Date(),
      };
      this.conferences.set(conference.sid, conference);
    }
    conference.participants.set(callSid, {
      callSid,
      status: 'connected',
      hold: false,
      holdUrl: null,
      ...join,
      updates: [],
    });
    if (join.startConferenceOnEnter) conference.status = 'in-progress';
    return conference;
  }

  /** The Participants resource's create: a new call rings, and joins the conference when it picks up. */
  addParticipant(
    conferenceSid: string,
    call: Omit<FakeCall, 'sid' | 'status' | 'createdAt' | 'redirects' | 'url'>,
    join: ConferenceJoin,
  ): FakeParticipant {
    const conference = this.liveConference(conferenceSid);
    const created = this.createCall({ ...call, url: '' });
    const participant: FakeParticipant = {
      callSid: created.sid,
      status: 'ringing',
      hold: false,
      holdUrl: null,
      ...join,
      updates: [],
    };
    conference.participants.set(created.sid, participant);
    return participant;
  }

  liveConference(sid: string): FakeConference {
    const conference = this.conferences.get(sid);
    if (!conference || conference.status === 'completed')
      throw new FakeApiError(404, 20404, 'The requested resource was not found');
    return conference;
  }

  participant(conferenceSid: string, callSid: string): FakeParticipant {
    const participant = this.liveConference(conferenceSid).participants.get(callSid);
    if (!participant) throw new FakeApiError(404, 20404, 'The requested resource was not found');
    return participant;
  }

  /** A participant update: hold (with its hold document), mute, and whether leaving ends the conference. */
  updateParticipant(conferenceSid: string, callSid: string, form: URLSearchParams): FakeParticipant {
    const participant = this.participant(conferenceSid, callSid);
    const flag = (name: string) => {
      const value = form.get(name);
      return value === null ? undefined : value === 'true';
    };
    const hold = flag('Hold');
    if (hold === true && !form.get('HoldUrl'))
      throw new FakeApiError(400, 21205, 'HoldUrl is required to put a participant on hold');
    if (hold !== undefined) {
      participant.hold = hold;
      participant.holdUrl = hold ? form.get('HoldUrl') : null;
    }
    participant.muted = flag('Muted') ?? participant.muted;
    participant.endConferenceOnExit = flag('EndConferenceOnExit') ?? participant.endConferenceOnExit;
    participant.updates.push([...form.entries()]);
    return participant;
  }

  /**
   * Kicks a participant (the Participants resource's delete): it leaves, and its call ends (a
   * participant dialled in over REST has no document; the hotline's documents hang up after
   * their <Dial>, which is what a kicked TwiML participant does next).
   */
  removeParticipant(conferenceSid: string, callSid: string): void {
    this.participant(conferenceSid, callSid);
    this.leave(conferenceSid, callSid);
    const call = this.calls.get(callSid);
    if (call && !ENDED.has(call.status)) this.setCallStatus(callSid, 'completed');
  }

  /** The Conference resource's update with Status=completed, or the last one to end it leaving. */
  endConference(conferenceSid: string): void {
    const conference = this.liveConference(conferenceSid);
    conference.status = 'completed';
    const left = [...conference.participants.keys()];
    conference.participants.clear();
    for (const sid of left) {
      const call = this.calls.get(sid);
      if (call && !ENDED.has(call.status)) this.setCallStatus(sid, 'completed');
    }
  }

  private leave(conferenceSid: string, callSid: string): void {
    const conference = this.conferences.get(conferenceSid);
    const participant = conference?.participants.get(callSid);
    if (!conference || !participant) return;
    conference.participants.delete(callSid);
    // Only a participant that was in it (not one still ringing) ends it on exit; the last one out ends it too.
    if (participant.endConferenceOnExit && participant.status === 'connected')
      this.endConference(conferenceSid);
    else if (conference.participants.size === 0) conference.status = 'completed';
  }

  /** A call's change as its conferences see it: an added participant picking up joins, an ended call leaves. */
  private conferenceSeesCall(call: FakeCall): void {
    for (const conference of this.conferences.values()) {
      if (conference.status === 'completed') continue;
      const participant = conference.participants.get(call.sid);
      if (!participant) continue;
      if (ENDED.has(call.status)) this.leave(conference.sid, call.sid);
      else if (call.status === 'in-progress' && participant.status === 'ringing') {
        participant.status = 'connected';
        if (participant.startConferenceOnEnter) conference.status = 'in-progress';
      }
    }
  }

  addRecording(
    callSid: string,
    bytes: Uint8Array,
    contentType = 'audio/mpeg',
    durationSeconds = 1,
  ): FakeRecording {
    const recording: FakeRecording = {
      sid: newSid(this.idStyle, 'RE'),
      callSid,
      bytes,
      contentType,
      durationSeconds,
      deleted: false,
    };
    this.recordings.set(recording.sid, recording);
    return recording;
  }

  recording(sid: string): FakeRecording {
    const recording = this.recordings.get(sid);
    if (!recording || recording.deleted)
      throw new FakeApiError(404, 20404, 'The requested resource was not found');
    return recording;
  }
}

/** A call as the Calls resource shows it (the fields our client and Twilio's SDK read). */
export function callResource(call: FakeCall, accountSid: string): Record<string, unknown> {
  return {
    sid: call.sid,
    account_sid: accountSid,
    to: call.to,
    from: call.from,
    status: call.status,
    direction: 'outbound-api',
    date_created: call.createdAt.toUTCString(),
  };
}

/** A conference as the Conferences resource shows it. */
export function conferenceResource(conference: FakeConference, accountSid: string): Record<string, unknown> {
  return {
    sid: conference.sid,
    account_sid: accountSid,
    friendly_name: conference.friendlyName,
    status: conference.status,
    date_created: conference.createdAt.toUTCString(),
  };
}

/** A participant as the Participants resource shows it. */
export function participantResource(
  conference: FakeConference,
  participant: FakeParticipant,
  accountSid: string,
): Record<string, unknown> {
  return {
    account_sid: accountSid,
    call_sid: participant.callSid,
    conference_sid: conference.sid,
    status: participant.status,
    hold: participant.hold,
    muted: participant.muted,
    start_conference_on_enter: participant.startConferenceOnEnter,
    end_conference_on_exit: participant.endConferenceOnExit,
  };
}
