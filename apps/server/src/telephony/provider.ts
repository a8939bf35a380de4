import type { TelephonyProvider as ProviderName } from '@llamenos/protocol';
import type { BrowserCalling } from './browser/credential.js';

/**
 * The one interface every telephony provider implements. The call router speaks only these
 * types; nothing outside a provider's folder knows TwiML, NCCO, Plivo XML or ARI.
 *
 * Two transports exist:
 * - webhook providers (Twilio, SignalWire, Vonage, Plivo, the simulated carrier): the provider
 *   calls us over HTTP; we verify the request, parse it into a neutral event and answer with a
 *   document rendered from a neutral instruction list;
 * - event providers (Asterisk ARI): we hold a WebSocket; the adapter turns Stasis events into
 *   the same neutral events and carries the same instruction lists out itself over REST
 *   (answer, play, record, bridges). Both share `CallControl`.
 */
export type { ProviderName };

// ---------------------------------------------------------------------------------------------
// Webhook requests

/**
 * An incoming provider request, as the verifier and parsers see it. `publicUrl` is rebuilt
 * from the configured PUBLIC_URL and the request's path and query, never from the Host header:
 * a forged Host must not be able to move the URL the signature is checked against.
 */
export interface WebhookRequest {
  method: string;
  /** PUBLIC_URL + path + query string, exactly as the request line carried them. */
  publicUrl: string;
  headers: Headers;
  /** The body as received, before any parsing (JSON signatures hash these bytes). */
  rawBody: Uint8Array;
  /** Body parameters of an application/x-www-form-urlencoded POST; empty otherwise. */
  form: URLSearchParams;
  /** The parsed body of an application/json request; undefined otherwise or if unparsable. */
  json: unknown;
}

// ---------------------------------------------------------------------------------------------
// Neutral events (what a webhook or an ARI event means)

/**
 * The state of one call leg. Providers' own words map onto these (Twilio's "initiated" is
 * 'queued'; Vonage's "answered" is 'in-progress'); a word with no mapping is ignored.
 */
export type LegStatus =
  | 'queued'
  | 'ringing'
  | 'in-progress'
  | 'completed'
  | 'busy'
  | 'no-answer'
  | 'failed'
  | 'canceled';

/** States after which a leg never changes again. */
export const FINAL_LEG_STATUSES: ReadonlySet<LegStatus> = new Set([
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
]);

/**
 * A caller reached one of the hotline's numbers. Providers retry webhooks: `providerCallId`
 * is stable across retries and is the key the router deduplicates on.
 */
export interface InboundCallEvent {
  providerCallId: string;
  /** The caller in E.164 form, or null when withheld or not a phone number (SIP, "anonymous"). */
  from: string | null;
  /** The hotline number that was called (E.164): it decides the provider and the hotline. */
  to: string;
}

/** A status change of a leg (a volunteer's outbound leg, or the caller's own call). */
export interface LegStatusEvent {
  legId: string;
  status: LegStatus;
}

/** Keys pressed on a leg, in answer to a gather-digit instruction. */
export interface DigitsEvent {
  legId: string;
  /** Only 0-9, * and #; empty when the gather timed out without input. */
  digits: string;
}

/** A recording finished and can be fetched (then deleted at the provider). */
export interface RecordingReadyEvent {
  /**
   * The provider's id of the call that was recorded (the caller's call), or null when the
   * provider's event does not name it (Vonage's record event names the conversation): the
   * router then knows the call only from its own `call` parameter in the callback URL.
   */
  callId: string | null;
  /** What fetchRecording and deleteRecording take; never a URL taken from the request. */
  recordingRef: string;
  durationSeconds: number;
}

/** A webhook whose payload is not what its route expects: the route answers 400. */
export class WebhookPayloadError extends Error {
  override readonly name = 'WebhookPayloadError';
}

// ---------------------------------------------------------------------------------------------
// Neutral instructions (what we want done on a call)

/** Something spoken or played, inside a gather or on its own. */
export type Prompt =
  | {
      kind: 'say';
      text: string;
      /** BCP 47 tag such as "es-MX". */
      language: string;
      /**
       * Optional: a recorded prompt with the same words, by Asterisk sound name ("press-1",
       * "hotline/greeting-es"), for providers without speech synthesis (ARI). Webhook
       * providers speak `text` and ignore it.
       */
      sound?: string;
    }
  | { kind: 'play'; url: string /** 0 = until something else happens (hold audio). */; loop?: number };

export type Instruction =
  | Prompt
  | { kind: 'pause'; seconds: number }
  /**
   * Ask for one key press ("press 1 to take this call"). The digits (empty on timeout) are
   * posted to `actionUrl`. This screening step is what keeps a volunteer's personal voicemail
   * from "answering" a call: a voicemail box never presses 1.
   */
  | { kind: 'gather-digit'; prompt: Prompt[]; actionUrl: string; timeoutSeconds: number }
  /**
   * Put the caller on hold in the waiting room `queue` (one per incoming call, named after it).
   * `waitUrl` returns what the caller hears meanwhile (a play with loop 0, typically);
   * `actionUrl`, if given, hears how the wait ended. TwiML-likes: <Enqueue>; ARI: a holding bridge.
   */
  | {
      kind: 'enqueue-caller';
      queue: string;
      waitUrl: string;
      actionUrl?: string;
      /**
       * Optional: an audio file (mp3/wav URL) looped while waiting, for providers that take a
       * file rather than a wait document (Vonage's musicOnHoldUrl): the router passes the
       * hotline's hold music (calls/hold-music). TwiML-likes and Plivo use `waitUrl`, whose
       * document plays the same file; ARI uses the music-on-hold class configured in Asterisk.
       */
      holdAudioUrl?: string;
    }
  /**
   * Connect the volunteer leg this document answers to the caller waiting in `queue`.
   * TwiML-likes: <Dial><Queue>; ARI: both channels into a mixing bridge.
   */
  | { kind: 'connect-to-caller'; queue: string; actionUrl?: string }
  /**
   * Ring a volunteer's browser from the call this document answers, as a phone would be dialled:
   * TwiML/LaML <Dial><Client>, Plivo <Dial><User>, Vonage connect to an `app` endpoint, ARI a
   * PJSIP/<identity> channel into our application. `identity` is browser/identity.ts's;
   * `actionUrl`, if given, hears how the dial ended.
   */
  | { kind: 'dial-browser'; identity: string; timeoutSeconds: number; actionUrl?: string }
  /**
   * Record a voicemail. `actionUrl` is requested when recording stops (the document it returns
   * continues the call); `statusUrl` is told when the recording file is ready.
   */
  | { kind: 'record-voicemail'; maxSeconds: number; actionUrl: string; statusUrl: string }
  /**
   * Join a connected call's conference `room` (the call's `queue`, or a room named after it) as
   * `role`, for providers that steer a connected call by moving legs between documents (Plivo,
   * whose conference members' flags cannot change after they joined): `held`, the caller alone
   * hearing `waitUrl` in a loop; `caller`, back with the volunteer; `colleague`, a hand-over's
   * volunteer, whose leaving ends the conference; `listener`, muted and ending nothing.
   */
  | {
      kind: 'join-conference';
      room: string;
      role: 'held' | 'caller' | 'colleague' | 'listener';
      waitUrl?: string;
    }
  | { kind: 'hangup' }
  /** Continue with the document at `url` (which gets its own signed webhook). */
  | { kind: 'redirect'; url: string };

/** A rendered document, ready to be the webhook's HTTP response. */
export interface ProviderResponse {
  status: number;
  contentType: string;
  body: string;
}

// ---------------------------------------------------------------------------------------------
// Call control (REST or ARI operations)

export interface VolunteerLegRequest {
  /** The volunteer's phone, E.164. Checked before any request is made. Unused for a browser leg. */
  to: string;
  /**
   * A browser leg: the volunteer's browser identity (browser/identity.ts). The adapter rings
   * the provider's browser SDK logged in as it (Twilio `client:`, Plivo `sip:…@phone.plivo.com`,
   * Vonage `app` user, Asterisk `PJSIP/<identity>`) instead of `to`; the answer URL, status URL
   * and the first-pickup compare-and-set are the same as a phone leg's. Only adapters with
   * `ringsBrowsers` are asked to place one.
   */
  browser?: string;
  /** The hotline number the volunteer sees calling, E.164. */
  from: string;
  /** Requested when the volunteer picks up: returns the screening (gather-digit) document. */
  answerUrl: string;
  /** Told of every status change of this leg. */
  statusUrl: string;
  /** Give up ringing after this many seconds (the status becomes 'no-answer'). */
  timeoutSeconds: number;
}

/** What cancelLeg found: it stopped a leg that was ringing, hung up one that was answered, or found it over. */
export type CancelOutcome = 'canceled' | 'completed' | 'already-ended';

/** A recording as the provider sends it: read as it arrives, never held whole in memory. */
export interface Recording {
  /** Errors with a TelephonyError on timeout, a dropped connection or past the size limit. */
  body: ReadableStream<Uint8Array>;
  contentType: string;
}

/**
 * Whether the queue may ring a volunteer's browser as a leg of this provider (a VolunteerLegRequest
 * with `browser`): true only when the adapter can both place the leg and issue the credential the
 * browser logs in with. An adapter that says false would ring a browser nobody can log in as, and
 * keep a browser-only volunteer "ringing" for nothing: the queue then offers them no call there.
 */
export interface BrowserRinging {
  readonly ringsBrowsers: boolean;
}

/** Operations on live calls. Every method may throw a TelephonyError (see errors.ts). */
export interface CallControl {
  /** Rings one volunteer. The leg id is what status, digits and cancel use. */
  createVolunteerLeg(request: VolunteerLegRequest): Promise<{ legId: string }>;
  /**
   * Ends a volunteer leg that lost (another volunteer answered, or the caller hung up): a
   * ringing leg is canceled, an answered one is hung up. Ending an ended leg is not an error.
   */
  cancelLeg(legId: string): Promise<CancelOutcome>;
  /** Hangs up a call in any state (the caller's call, or an answered leg). */
  hangUp(callId: string): Promise<void>;
  /** Makes a live call continue with the document at `url` (a waiting caller → voicemail). */
  redirectCall(callId: string, url: string): Promise<void>;
  /** The recording's audio; fetched by reference only, never from a URL a webhook supplied. */
  fetchRecording(recordingRef: string): Promise<Recording>;
  /** Deletes the recording at the provider; deleting a deleted one is not an error. */
  deleteRecording(recordingRef: string): Promise<void>;
}

/**
 * A connected call as its provider knows it: the caller's own leg, the leg of the volunteer on
 * it, and the call's waiting-room name (the `queue` of enqueue-caller and connect-to-caller,
 * which names its bridge on ARI or its conference on Twilio).
 */
export interface ConnectedCall {
  callerLegId: string;
  volunteerLegId: string;
  queue: string;
  /**
   * The document the caller hears while held (the queue's wait document), for providers that
   * fetch hold audio from us (Twilio's participant `HoldUrl`); ARI plays its music-on-hold class.
   */
  holdUrl?: string;
  /**
   * What a held caller is told, in their language, for providers that speak it themselves rather
   * than fetch a document (Vonage: the hold NCCO sent with the transfer of the caller's leg).
   */
  holdPrompt?: Prompt;
  /**
   * The hold music file a held caller hears after the prompt, for providers that loop a file
   * rather than fetch a document (Vonage's musicOnHoldUrl in the hold NCCO).
   */
  holdAudioUrl?: string;
  /**
   * The join document's URL (`…/join?call=<id>`: the call's conference rooms by role), for
   * providers whose legs fetch a document to move within a call (Plivo's Call Transfer and
   * answer URLs); the adapter adds `as` (the role) and `room` to it.
   */
  joinUrl?: string;
}

/**
 * Steering the audio of a connected call: hold, and handing the caller to another volunteer
 * (docs/CALLS.md, "Call controls on provider calls"). Optional: only adapters whose calls the
 * server can re-bridge have it (Asterisk moves channels between bridges; Twilio moves the
 * participants of the call's <Conference>). Without it, hold and transfer on that provider's calls answer 409.
 */
export interface ConnectedCallControl {
  /** Puts the caller on hold (hold audio, the volunteer hears nothing) or back; the state and whether it changed. */
  holdCaller(call: ConnectedCall, onHold: boolean): Promise<{ onHold: boolean; changed: boolean }>;
  /**
   * Rings the volunteer a call is handed to. Its pickup is not a race (the call is already
   * answered) and is not screened: it is reported only to `handOverAnswered`, never as a leg
   * event, while its other states (ringing, ended) arrive as any leg's do. `call` is the call
   * it is rung for (Twilio dials it straight into the call's conference; ARI bridges it later).
   */
  ringHandOverLeg(request: VolunteerLegRequest, call?: ConnectedCall): Promise<{ legId: string }>;
  /**
   * True once the hand-over leg picked up; false when it ended or `timeoutMs` passed (it is then
   * hung up). `call` as for ringHandOverLeg (Twilio asks the conference who joined).
   */
  handOverAnswered(legId: string, timeoutMs: number, call?: ConnectedCall): Promise<boolean>;
  /** Connects the caller (taken off hold) with `toLegId` and hangs up the first volunteer's leg. */
  handOver(call: ConnectedCall, toLegId: string): Promise<void>;
  /**
   * Silent supervision: rings a listener's browser phone (an admin's), and once it picks up
   * within `timeoutMs` lets it hear both sides of the call while nobody hears it. The listener
   * leg's id, or null when it did not pick up (it is then hung up).
   */
  listen?(
    call: ConnectedCall,
    listener: VolunteerLegRequest,
    timeoutMs: number,
  ): Promise<{ legId: string } | null>;
  /** Ends a listening: the listener's leg hung up and what carried the audio taken apart. */
  stopListening?(call: ConnectedCall, listenerLegId: string): Promise<void>;
  /** The call `queue` names is over: what the provider kept for it (bridges) is taken apart. */
  callEnded?(queue: string): Promise<void>;
}

/** An adapter's optional audio steering of connected calls. */
export interface ConnectedCallSteering {
  readonly connectedCalls?: ConnectedCallControl;
}

/**
 * A provider's webhooks read as neutral events: each webhook adapter's events.ts gives one,
 * typed by this contract. A field that fails its form is a WebhookPayloadError (400).
 */
export interface WebhookEvents {
  parseInboundCall(request: WebhookRequest): InboundCallEvent;
  parseLegStatus(request: WebhookRequest): LegStatusEvent | null;
  parseDigits(request: WebhookRequest): DigitsEvent;
  /** Null when the callback says the recording failed or does not exist. */
  parseRecording(request: WebhookRequest): RecordingReadyEvent | null;
}

/** The webhook side of a provider: verification, parsing and rendering. */
interface WebhookCodec extends WebhookEvents {
  /**
   * True only for a request the provider signed with our secret over this exact URL and body.
   * Fails closed: no secret configured, no signature header, or any doubt → false.
   */
  verifyWebhook(request: WebhookRequest): boolean;
  render(instructions: Instruction[]): ProviderResponse;
  /** The answer to a webhook whose only purpose is to inform us (status callbacks). */
  acknowledge(): ProviderResponse;
}

/** A provider adapter reached by webhooks. */
export interface WebhookTelephony
  extends CallControl,
    WebhookCodec,
    BrowserRinging,
    ConnectedCallSteering,
    Partial<BrowserCalling> {
  readonly provider: ProviderName;
  readonly transport: 'webhook';
}

/**
 * A provider adapter that pushes events (Asterisk ARI): the same neutral events in, the same
 * instructions out. Instructions' URLs (action, status, wait) have no meaning here: what a
 * webhook would have reported arrives as a TelephonyEvent instead (digits, recording ready, leg
 * status), and the router answers with another `perform`.
 */
export interface EventTelephony
  extends CallControl,
    BrowserRinging,
    ConnectedCallSteering,
    Partial<BrowserCalling> {
  readonly provider: ProviderName;
  readonly transport: 'events';
  /** Starts delivering neutral events; returns a function that stops. */
  subscribe(listener: (event: TelephonyEvent) => void): () => void;
  /** Carries out `instructions` on the call or leg `callId` (what a webhook response would do). */
  perform(callId: string, instructions: Instruction[]): Promise<void>;
}

export type TelephonyEvent =
  | ({ kind: 'inbound-call' } & InboundCallEvent)
  | ({ kind: 'leg-status' } & LegStatusEvent)
  | ({ kind: 'digits' } & DigitsEvent)
  | ({ kind: 'recording-ready' } & RecordingReadyEvent);

export type Telephony = WebhookTelephony | EventTelephony;

/**
 * A REST client's call control as adapter fields: each operation calls the client's own method,
 * so the adapter object can spread them beside its webhook codec.
 */
export function restCallControl(rest: CallControl): CallControl {
  return {
    createVolunteerLeg: (request) => rest.createVolunteerLeg(request),
    cancelLeg: (legId) => rest.cancelLeg(legId),
    hangUp: (callId) => rest.hangUp(callId),
    redirectCall: (callId, url) => rest.redirectCall(callId, url),
    fetchRecording: (ref) => rest.fetchRecording(ref),
    deleteRecording: (ref) => rest.deleteRecording(ref),
  };
}
