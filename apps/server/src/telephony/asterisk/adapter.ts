import { TelephonyNotConfiguredError } from '../errors.js';
import { ProviderHttp, type ProviderTransport } from '../http.js';
import type {
  CancelOutcome,
  ConnectedCallControl,
  EventTelephony,
  Recording,
  TelephonyEvent,
  VolunteerLegRequest,
} from '../provider.js';
import { browserLegCallId, requireBrowserIdentity, requireE164, requireSeconds } from '../validate.js';
import { ariAddress } from './address.js';
import { asteriskBrowserCalling } from './browser-endpoints.js';
import { AriConnectedCalls, AriListening } from './connected-calls.js';
import { AriEventStream } from './event-stream.js';
import { HANDOVER_APP_ARG, LEG_APP_ARG, LISTENER_APP_ARG, mapAriEvent } from './events.js';
import { Performer } from './perform.js';
import { PromptWaits } from './prompt-waits.js';
import { AriRest } from './rest.js';

/**
 * Asterisk through ARI, an EventTelephony: calls reach our Stasis application (the dialplan
 * sends them there with Stasis(<app>)), events arrive over the events WebSocket, and what a
 * webhook answer would do is done with REST calls (see perform.ts).
 *
 * Asterisk setup the adapter expects: an ARI user (ari.conf) with the stored username and
 * password; the hotline numbers routed to Stasis(<app>); an endpoint for volunteers' phones,
 * by default the PJSIP endpoint "llamenos" (dial string PJSIP/<number>@llamenos, see
 * `dialTemplate`); a music-on-hold class ("default"). Recorded prompts are Asterisk sound files
 * named in each say instruction's `sound`.
 */
export interface AsteriskAdapterOptions extends ProviderTransport {
  ariUrl: string;
  username: string;
  password: string;
  app: string;
  /** The hotline's numbers: the first is reported as `to` when the dialled extension is not a number. */
  phoneNumbers: string[];
  /** wss:// URL of the SIP WebSocket browsers reach; unset: no browser calling. */
  sipWebSocketUrl?: string;
  /** How a volunteer's E.164 number is dialled; "{number}" is replaced. Default PJSIP/{number}@llamenos. */
  dialTemplate?: string;
  mohClass?: string;
  /** Longest wait for a prompt to finish before the next instruction (default 2 minutes). */
  playbackWaitMs?: number;
  /** Reconnection delays of the events WebSocket. */
  reconnect?: { minDelayMs?: number; maxDelayMs?: number };
  onConnectionState?: (state: 'open' | 'closed', detail?: string) => void;
}

const P = 'asterisk';
const RINGING_STATES = new Set([
  'Down',
  'Rsrvd',
  'OffHook',
  'Dialing',
  'Ring',
  'Ringing',
  'Pre-ring',
  'Dialing Offhook',
]);

export function createAsteriskAdapter(options: AsteriskAdapterOptions): EventTelephony {
  const address = ariAddress(options.ariUrl);
  const http = new ProviderHttp({
    provider: P,
    baseUrl: `${address.httpBase}/ari`,
    username: options.username,
    password: options.password,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });
  const rest = new AriRest(http);
  const browserCredential = asteriskBrowserCalling(http, options.sipWebSocketUrl);
  const listeners = new Set<(event: TelephonyEvent) => void>();
  const emit = (event: TelephonyEvent) => {
    for (const listener of listeners) listener(event);
  };
  const waits = new PromptWaits(
    (channelId) => emit({ kind: 'digits', legId: channelId, digits: '' }),
    options.playbackWaitMs ?? 120_000,
  );
  const performer = instructionPerformer(rest, waits, options);
  const control = callControl(rest, options);
  const handOvers = new AriConnectedCalls(rest, {
    mohClass: options.mohClass ?? 'default',
    ring: (request) => control.placeLeg(request, HANDOVER_APP_ARG),
  });
  const listening = new AriListening(rest, handOvers, options.app, (request) =>
    control.placeLeg(request, LISTENER_APP_ARG),
  );
  const connectedCalls: ConnectedCallControl = {
    holdCaller: (call, onHold) => handOvers.holdCaller(call, onHold),
    ringHandOverLeg: (request) => handOvers.ringHandOverLeg(request),
    handOverAnswered: (legId, timeoutMs) => handOvers.handOverAnswered(legId, timeoutMs),
    handOver: (call, toLegId) => handOvers.handOver(call, toLegId),
    listen: (call, listener, timeoutMs) => listening.listen(call, listener, timeoutMs),
    stopListening: (call, legId) => listening.stopListening(call, legId),
    callEnded: (queue) => handOvers.callEnded(queue),
  };
  const onAriEvent = ariEventHandler(rest, waits, handOvers, options, emit);

  const stream = new AriEventStream({
    wsBase: address.wsBase,
    app: options.app,
    username: options.username,
    password: options.password,
    onEvent: onAriEvent,
    onState: options.onConnectionState,
    ...options.reconnect,
  });

  return {
    provider: 'asterisk',
    transport: 'events',
    // Browsers register over the SIP WebSocket: without its URL no browser has an endpoint.
    ringsBrowsers: Boolean(options.sipWebSocketUrl),
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) stream.start();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stream.stop();
      };
    },
    perform: (callId, instructions) => performer.perform(callId, instructions),
    ...(browserCredential ? { browserCredential } : {}),
    connectedCalls,
    createVolunteerLeg: (request) => control.placeLeg(request, LEG_APP_ARG),
    cancelLeg: control.cancelLeg,
    hangUp: control.hangUp,
    redirectCall: control.redirectCall,
    fetchRecording: control.fetchRecording,
    deleteRecording: control.deleteRecording,
  };
}

/** Plays neutral instructions on a call; with a SIP WebSocket, it can also ring a browser. */
function instructionPerformer(rest: AriRest, waits: PromptWaits, options: AsteriskAdapterOptions): Performer {
  return new Performer({
    rest,
    mohClass: options.mohClass ?? 'default',
    ...(options.sipWebSocketUrl
      ? {
          dialBrowser: (identity: string, timeoutSeconds: number) =>
            rest.originate({
              endpoint: `PJSIP/${requireBrowserIdentity(P, 'perform', identity)}`,
              app: options.app,
              appArgs: LEG_APP_ARG,
              callerId: options.phoneNumbers[0] ?? 'Llamenos',
              timeout: requireSeconds(P, 'perform', 'dial timeout', timeoutSeconds, 5, 600),
            }),
        }
      : {}),
    hooks: {
      playbackEnded: (playbackId) => waits.playbackEnded(playbackId),
      awaitDigit: (channelId, playbackId, timeoutSeconds) =>
        waits.awaitDigit(channelId, playbackId, timeoutSeconds),
    },
  });
}

/** ARI events as neutral telephony events; playback ends and screening keys go to the prompt waits. */
function ariEventHandler(
  rest: AriRest,
  waits: PromptWaits,
  connectedCalls: AriConnectedCalls,
  options: AsteriskAdapterOptions,
  emit: (event: TelephonyEvent) => void,
): (raw: unknown) => void {
  return (raw) => {
    const event = raw as { type?: string; playback?: { id?: string }; channel?: { id?: string } };
    if (event.type === 'PlaybackFinished' && typeof event.playback?.id === 'string') {
      waits.playbackFinished(event.playback.id);
      return;
    }
    const channelId = event.channel?.id;
    if (typeof channelId === 'string') {
      // A hand-over leg picked up, or a channel ended while its hand-over was awaited.
      const args = (raw as { args?: unknown }).args;
      if (
        event.type === 'StasisStart' &&
        Array.isArray(args) &&
        (args[0] === HANDOVER_APP_ARG || args[0] === LISTENER_APP_ARG)
      )
        connectedCalls.answered(channelId);
      if (event.type === 'ChannelDestroyed' || event.type === 'StasisEnd') connectedCalls.ended(channelId);
    }
    const neutral = mapAriEvent(raw, { defaultTo: options.phoneNumbers[0] ?? null });
    if (!neutral) return;
    if (neutral.kind === 'digits') {
      // Only a key that answers a screening prompt is an answer; others are ignored.
      const gather = waits.endGather(neutral.legId);
      if (!gather) return;
      if (gather.playbackId) void rest.stopPlayback(gather.playbackId).catch(() => {});
    }
    if (neutral.kind === 'leg-status' && event.type === 'ChannelDestroyed') waits.endGather(neutral.legId);
    emit(neutral);
  };
}

/** The SIP header a browser leg's INVITE carries: the hotline call id (the web app's provider-phone/sip.ts reads it). */
export const CALL_HEADER = 'X-Llamenos-Call';

/**
 * The adapter's REST side: legs out, hang-ups and recordings. A leg goes into our application
 * with `appArgs`: LEG_APP_ARG for a volunteer rung for a waiting call, HANDOVER_APP_ARG for one
 * taking over a connected call (connected-calls.ts).
 */
function callControl(
  rest: AriRest,
  options: AsteriskAdapterOptions,
): Pick<EventTelephony, 'cancelLeg' | 'hangUp' | 'redirectCall' | 'fetchRecording' | 'deleteRecording'> & {
  placeLeg(request: VolunteerLegRequest, appArgs: string): Promise<{ legId: string }>;
} {
  return {
    async placeLeg(request: VolunteerLegRequest, appArgs: string) {
      const op = 'create leg';
      // A browser leg dials the volunteer's own PJSIP endpoint (browser-endpoints.ts).
      const endpoint =
        request.browser === undefined
          ? (options.dialTemplate ?? 'PJSIP/{number}@llamenos').replace(
              '{number}',
              requireE164(P, op, 'to', request.to),
            )
          : `PJSIP/${requireBrowserIdentity(P, op, request.browser)}`;
      const hotlineCall = browserLegCallId(request);
      const legId = await rest.originate({
        endpoint,
        app: options.app,
        appArgs,
        callerId: requireE164(P, op, 'from', request.from),
        timeout: requireSeconds(P, op, 'timeoutSeconds', request.timeoutSeconds, 5, 600),
        // The browser's INVITE names the hotline call, so the app answers the card that rings.
        ...(hotlineCall ? { variables: { [`PJSIP_HEADER(add,${CALL_HEADER})`]: hotlineCall } } : {}),
      });
      return { legId };
    },
    async cancelLeg(legId): Promise<CancelOutcome> {
      const state = await rest.channelState('cancel leg', legId);
      if (state === null) return 'already-ended';
      if (!(await rest.hangup('cancel leg', legId))) return 'already-ended';
      return RINGING_STATES.has(state) ? 'canceled' : 'completed';
    },
    async hangUp(callId) {
      await rest.hangup('hang up', callId);
    },
    async redirectCall() {
      throw new TelephonyNotConfiguredError(
        P,
        'redirect',
        'ARI has no call documents: use perform() with the instructions',
      );
    },
    fetchRecording: (ref): Promise<Recording> => rest.recordingFile(ref),
    deleteRecording: (ref) => rest.deleteRecording(ref),
  };
}
