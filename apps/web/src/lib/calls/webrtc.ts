import { fetchCallerOffer, sendCallAnswer, sendCallHold } from '../api/webrtc.js';
import { moduleState, useModuleState } from '../module-state.js';
import { microphoneConstraints, playThroughChosenSpeaker, storedAudioDevices } from './audio-devices.js';
import { gathered } from './ice-gathering.js';
import { callsState, onCallsChange } from './store.js';

/**
 * Real audio for a call answered in the browser (simulated carrier; docs/CALLS.md, "Browser
 * calling"). When the member is on a call, this asks the server for the caller's WebRTC offer:
 * the server gives it only to the volunteer who won the call, and only while the caller's page
 * has one. Then the microphone goes to the caller and the caller's voice is played, browser to
 * browser; the server only passes the offer and this answer along. The audio stops with the call
 * (End call, the caller hanging up, or a supervisor ending it), and Mute disables the microphone
 * track itself, so nothing of the member's voice leaves the device while muted. Hold asks the
 * server to put the caller on hold (the caller hears hold music and is not carried to the member)
 * and disables the microphone track too, so nothing reaches the caller until Resume.
 */

export type CallAudioStatus = 'idle' | 'connecting' | 'connected' | 'failed';

export interface CallAudioState {
  callId: string | null;
  status: CallAudioStatus;
  muted: boolean;
  /** The caller is on hold (the server said so). */
  held: boolean;
  /** A hold or resume is on its way to the server. */
  holding: boolean;
  /** No microphone (refused or absent): the member hears the caller, the caller hears nothing. */
  noMicrophone: boolean;
}

const IDLE: CallAudioState = {
  callId: null,
  status: 'idle',
  muted: false,
  held: false,
  holding: false,
  noMicrophone: false,
};
const audio = moduleState<CallAudioState>(IDLE);
const { set } = audio;

interface Session {
  callId: string;
  pc: RTCPeerConnection | null;
  mic: MediaStream | null;
  player: HTMLAudioElement | null;
  closed: boolean;
}
let session: Session | null = null;

/** The call's two sides (this microphone, the caller's voice), for transcription on this device. */
export const callAudioStreams = (): CallAudioStreams | null =>
  session && { callId: session.callId, local: session.mic, remote: remoteStream(session) };
export type CallAudioStreams = { callId: string; local: MediaStream | null; remote: MediaStream | null };
const remoteStream = (s: Session) => (s.player?.srcObject as MediaStream | null | undefined) ?? null;
export const callAudioState = (): CallAudioState => audio.get();
/** The connection to the caller, for its statistics (network quality on the card); null when there is none. */
export const callPeerConnection = (): RTCPeerConnection | null => session?.pc ?? null;
/** The caller's voice as it arrives and this member's microphone, for an admin's silent supervision (lib/calls/supervision.ts). */
export const callAudioTracks = (): {
  caller: MediaStreamTrack | null;
  microphone: MediaStreamTrack | null;
} => ({
  caller: session?.pc?.getReceivers().find((r) => r.track.kind === 'audio')?.track ?? null,
  microphone: session?.mic?.getAudioTracks()[0] ?? null,
});
export const useCallAudio = (): CallAudioState => useModuleState(audio);

const NO_CHOICE = { inputId: null, outputId: null };

async function microphone(): Promise<MediaStream | null> {
  try {
    // The headset chosen in My settings; the default microphone if it is gone.
    const constraints = microphoneConstraints(storedAudioDevices());
    return await navigator.mediaDevices
      .getUserMedia({ audio: constraints })
      .catch(() =>
        constraints.deviceId
          ? navigator.mediaDevices.getUserMedia({ audio: microphoneConstraints(NO_CHOICE) })
          : null,
      );
  } catch {
    return null;
  }
}

async function connect(s: Session): Promise<void> {
  const { offer, iceServers } = await fetchCallerOffer(s.callId);
  // No offer: the caller has no browser audio (a phone answered it, or a call placed without
  // the simulator's page). Nothing to show.
  if (!offer || s.closed) return;
  set({ status: 'connecting' });
  const mic = await microphone();
  if (s.closed) {
    for (const track of mic?.getTracks() ?? []) track.stop();
    return;
  }
  s.mic = mic;
  // Muted or held while the microphone was being opened: it starts silent.
  applyMicrophone();
  const pc = new RTCPeerConnection({ iceServers });
  s.pc = pc;
  if (mic) for (const track of mic.getAudioTracks()) pc.addTrack(track, mic);
  set({ noMicrophone: !mic });
  pc.addEventListener('track', (event) => {
    const player = new Audio();
    player.srcObject = event.streams[0] ?? new MediaStream([event.track]);
    s.player = player;
    player.muted = audio.get().held;
    void playThroughChosenSpeaker(player, storedAudioDevices()).then(() => player.play().catch(() => {}));
  });
  pc.addEventListener('connectionstatechange', () => {
    if (s.closed || session !== s) return;
    if (pc.connectionState === 'connected') set({ status: 'connected' });
    else if (pc.connectionState === 'failed') set({ status: 'failed' });
  });
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  if (!mic) for (const t of pc.getTransceivers()) t.direction = 'recvonly';
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  if (s.closed || !pc.localDescription) return;
  await sendCallAnswer(s.callId, pc.localDescription.sdp);
}

function stop(): void {
  const s = session;
  session = null;
  if (s) {
    s.closed = true;
    s.pc?.close();
    for (const track of s.mic?.getTracks() ?? []) track.stop();
    if (s.player) s.player.srcObject = null;
  }
  if (audio.get() !== IDLE) set(IDLE);
}

function start(callId: string): void {
  stop();
  const s: Session = { callId, pc: null, mic: null, player: null, closed: false };
  session = s;
  set({ ...IDLE, callId });
  connect(s).catch(() => {
    if (session === s && s.pc) set({ status: 'failed' });
  });
}

/** The microphone track is live only when neither muted nor on hold; the caller's voice is silenced on hold too. */
function applyMicrophone(): void {
  const { muted, held } = audio.get();
  for (const track of session?.mic?.getAudioTracks() ?? []) track.enabled = !muted && !held;
  if (session?.player) session.player.muted = held;
}

/** Mutes or unmutes the microphone track itself. */
export function setMuted(muted: boolean): void {
  set({ muted });
  applyMicrophone();
}

/**
 * Puts the caller on hold or resumes. The microphone goes silent at once on hold, before the
 * server answers; it comes back only once the server confirms the resume.
 */
export async function setHeld(onHold: boolean): Promise<void> {
  const s = session;
  if (!s || audio.get().holding) return;
  set({ holding: true, ...(onHold ? { held: true } : {}) });
  applyMicrophone();
  try {
    const answer = await sendCallHold(s.callId, onHold);
    if (session === s) set({ held: answer.onHold });
  } catch (error) {
    // Refused (the call ended, no browser audio): the state stays what the server last said.
    if (session === s && onHold) set({ held: false });
    throw error;
  } finally {
    if (session === s) {
      set({ holding: false });
      applyMicrophone();
    }
  }
}

/**
 * Follows this tab's call (lib/calls/store.ts): audio starts for the call the member is on and
 * stops when it ends. Returns the stop function.
 */
export function followCallAudio(): () => void {
  const sync = () => {
    const active = callsState().active;
    if (!active) {
      if (session) stop();
    } else if (session?.callId !== active.id) start(active.id);
  };
  const off = onCallsChange(sync);
  sync();
  return () => {
    off();
    stop();
  };
}
