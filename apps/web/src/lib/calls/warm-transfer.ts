import type { IceServer } from '@llamenos/protocol';
import {
  acceptWarmTransfer,
  fetchWarmTransfer,
  fetchWarmTransferInvite,
  sendWarmTransferStep,
  startWarmTransfer,
} from '../api/warm-transfer.js';
import { moduleState, useModuleState } from '../module-state.js';
import { onHubEvent, onResync } from '../realtime/index.js';
import { microphoneConstraints, playThroughChosenSpeaker, storedAudioDevices } from './audio-devices.js';
import { gathered } from './ice-gathering.js';
import { setHeld } from './webrtc.js';

/**
 * Warm transfer in the browser (docs/CALLS.md, "Warm transfer"): the member on a call puts the
 * caller on hold and talks to a colleague over a connection of their own, browser to browser,
 * before handing the caller over or going back to them. The server only passes the offer and the
 * answer along (as for the caller's audio) and keeps who asks whom; this file keeps both sides'
 * connection and what the cards show:
 * - `outgoing`: this member asked a colleague (waiting, talking, declined);
 * - `incoming`: a colleague asks this member (invited, then talking).
 * The status is polled every second while a consult is on; it lasts a minute or so, and a poll is
 * one small request. The invite reaches the colleague as a hub event (`call:transfer-invite`, ids
 * only), on which their browser reads it through the API at once; a slow poll is the fallback.
 */

export interface OutgoingConsult {
  callId: string;
  toName: string;
  state: 'asking' | 'talking' | 'declined';
}

export interface IncomingConsult {
  callId: string;
  fromName: string;
  state: 'invited' | 'talking';
}

export interface WarmTransferView {
  outgoing: OutgoingConsult | null;
  incoming: IncomingConsult | null;
}

const consults = moduleState<WarmTransferView>({ outgoing: null, incoming: null });
const { set } = consults;

export const useWarmTransfer = (): WarmTransferView => useModuleState(consults);

/** How often each side asks the server how the consult stands. */
const POLL_MS = 1_000;
/**
 * How often a member free to take calls asks whether a colleague wants to hand them one, besides
 * the hub event that says so at once: only a fallback for an event missed (a relay hiccup).
 */
export const INVITE_POLL_MS = 30_000;

/**
 * One side's connection to the other member (the colleague here, the trainee or trainer on the
 * training line, training-caller.ts): the microphone, the peer connection, the player.
 */
export interface Line {
  pc: RTCPeerConnection;
  mic: MediaStream | null;
  player: HTMLAudioElement | null;
  timer: ReturnType<typeof setInterval> | null;
}
let outgoingLine: Line | null = null;
let incomingLine: Line | null = null;

/** The chosen microphone, or null when refused or absent (the other side then hears nothing). */
export async function microphone(): Promise<MediaStream | null> {
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: microphoneConstraints(storedAudioDevices()) });
  } catch {
    return null;
  }
}

/** A connection with this member's microphone (`mic`, or asked for now) and the other side's voice played. */
export async function openLine(iceServers: IceServer[], mic?: MediaStream | null): Promise<Line> {
  mic = mic === undefined ? await microphone() : mic;
  const pc = new RTCPeerConnection({ iceServers });
  const line: Line = { pc, mic, player: null, timer: null };
  if (mic) for (const track of mic.getAudioTracks()) pc.addTrack(track, mic);
  else pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.addEventListener('track', (event) => {
    const player = new Audio();
    player.srcObject = event.streams[0] ?? new MediaStream([event.track]);
    line.player = player;
    void playThroughChosenSpeaker(player, storedAudioDevices()).then(() => player.play().catch(() => {}));
  });
  return line;
}

export function closeLine(line: Line | null): void {
  if (!line) return;
  if (line.timer) clearInterval(line.timer);
  line.pc.close();
  for (const track of line.mic?.getTracks() ?? []) track.stop();
  if (line.player) line.player.srcObject = null;
}

/** The colleague's connection, for its statistics or a test; null when none. */
export const consultPeerConnection = (): RTCPeerConnection | null =>
  (outgoingLine ?? incomingLine)?.pc ?? null;

// ---------------------------------------------------------------------------------------------
// The member on the call

function endOutgoing(): void {
  closeLine(outgoingLine);
  outgoingLine = null;
  set({ outgoing: null });
}

/**
 * Puts the caller on hold (this member's microphone to the caller goes silent at once), then asks
 * `to` with the offer of a new connection. Throws what the server refused; the caller stays on hold
 * (Resume on the card brings them back).
 */
export async function askColleague(callId: string, to: string, toName: string): Promise<void> {
  endOutgoing();
  await setHeld(true);
  const { iceServers } = await fetchWarmTransfer(callId);
  const line = await openLine(iceServers);
  outgoingLine = line;
  await line.pc.setLocalDescription(await line.pc.createOffer());
  await gathered(line.pc);
  if (outgoingLine !== line || !line.pc.localDescription) return;
  try {
    await startWarmTransfer(callId, to, line.pc.localDescription.sdp);
  } catch (error) {
    endOutgoing();
    throw error;
  }
  set({ outgoing: { callId, toName, state: 'asking' } });
  let answered = false;
  line.timer = setInterval(() => {
    void fetchWarmTransfer(callId)
      .then(async (status) => {
        if (outgoingLine !== line) return;
        if (status.state === 'none') return endOutgoing();
        if (status.state === 'talking' && status.answer && !answered) {
          answered = true;
          await line.pc.setRemoteDescription({ type: 'answer', sdp: status.answer });
        }
        if (consults.get().outgoing?.state !== status.state)
          set({ outgoing: { callId, toName, state: status.state } });
      })
      .catch(() => {});
  }, POLL_MS);
}

/** The colleague takes the call; this member's card closes when the server says the call is theirs. */
export async function handOver(): Promise<void> {
  const callId = consults.get().outgoing?.callId;
  if (!callId) return;
  await sendWarmTransferStep(callId, 'hand-over');
  endOutgoing();
}

/** Back to the caller: the talk ends and the caller comes off hold. */
export async function backToCaller(): Promise<void> {
  const callId = consults.get().outgoing?.callId;
  if (!callId) return;
  await sendWarmTransferStep(callId, 'cancel').catch(() => {});
  endOutgoing();
  await setHeld(false);
}

// ---------------------------------------------------------------------------------------------
// The colleague asked

let invitedOffer: { callId: string; offer: string; iceServers: IceServer[] } | null = null;

function endIncoming(): void {
  closeLine(incomingLine);
  incomingLine = null;
  invitedOffer = null;
  set({ incoming: null });
}

/** Asks whether a colleague wants to hand this member a call; shows it, or clears one that went away. */
export async function checkInvite(): Promise<void> {
  if (incomingLine) return;
  const { invite } = await fetchWarmTransferInvite();
  if (!invite) {
    if (consults.get().incoming) endIncoming();
    return;
  }
  if (consults.get().incoming?.callId === invite.callId) return;
  invitedOffer = { callId: invite.callId, offer: invite.offer, iceServers: invite.iceServers };
  set({ incoming: { callId: invite.callId, fromName: invite.fromName, state: 'invited' } });
}

/**
 * Follows invites for the member with public key `me` while they are free to take calls: at once
 * on a `call:transfer-invite` for them (or the end of the call they are invited to), after every
 * reconnection to the relay (events missed meanwhile are never replayed), and every
 * INVITE_POLL_MS. Returns the stop function.
 */
export function followInvites(me: string): () => void {
  const check = () => void checkInvite().catch(() => {});
  const stops = [
    onHubEvent('call:transfer-invite', (event) => {
      if (event.to === me) check();
    }),
    onHubEvent('call:ended', (event) => {
      if (consults.get().incoming?.callId === event.callId) check();
    }),
    onResync(check),
  ];
  check();
  const timer = setInterval(check, INVITE_POLL_MS);
  return () => {
    clearInterval(timer);
    for (const stop of stops) stop();
  };
}

/** Accepts: this member's microphone to the colleague, theirs to this member's speaker. */
export async function acceptInvite(): Promise<void> {
  const invited = invitedOffer;
  const shown = consults.get().incoming;
  if (!invited || !shown) return;
  const line = await openLine(invited.iceServers);
  incomingLine = line;
  await line.pc.setRemoteDescription({ type: 'offer', sdp: invited.offer });
  await line.pc.setLocalDescription(await line.pc.createAnswer());
  await gathered(line.pc);
  if (incomingLine !== line || !line.pc.localDescription) return;
  try {
    await acceptWarmTransfer(invited.callId, line.pc.localDescription.sdp);
  } catch (error) {
    endIncoming();
    throw error;
  }
  set({ incoming: { ...shown, state: 'talking' } });
  // The talk ends when the server has no consult any more: handed over (the call's card opens
  // for this member), back to the caller, or the caller hung up.
  line.timer = setInterval(() => {
    void fetchWarmTransfer(invited.callId)
      .then((status) => {
        if (incomingLine === line && status.state === 'none') endIncoming();
      })
      .catch(() => {});
  }, POLL_MS);
}

export async function declineInvite(): Promise<void> {
  const callId = consults.get().incoming?.callId;
  if (!callId) return;
  await sendWarmTransferStep(callId, 'decline').catch(() => {});
  endIncoming();
}
