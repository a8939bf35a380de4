import {
  hangUpTrainingCall,
  sendTrainingOffer,
  startTrainingCall,
  waitForTrainingLine,
} from '../api/training.js';
import { moduleState, useModuleState } from '../module-state.js';
import { gathered } from './ice-gathering.js';
import { closeLine, type Line, microphone, openLine } from './warm-transfer.js';

/**
 * The trainer's phone on the training line (docs/CALLS.md, "The training line"): the trainer's own
 * signed-in browser plays the caller. Starting rings the trainee's browser only; this page sends
 * the offer of its connection, waits for the trainee's answer (long requests: the server answers
 * as soon as something changed), and then the two browsers talk to each other directly. No
 * carrier or provider is involved, so it works in production and with any provider.
 *
 * The call ends when either side hangs up, or when the trainee does not answer within the ring
 * time-out (the server ends it; this page then says "no answer"). While the trainee holds the
 * call, this microphone is silenced too.
 */

export type TrainingCallerStatus = 'idle' | 'starting' | 'ringing' | 'talking' | 'ended';
export type TrainingCallerEnd = 'no-answer' | 'ended' | 'failed';

export interface TrainingCallerState {
  status: TrainingCallerStatus;
  callId: string | null;
  /** Who is being trained (their name as the member's page shows it). */
  traineeName: string;
  held: boolean;
  /** Why the last call ended, shown until the next starts. */
  ended: TrainingCallerEnd | null;
  /** No microphone (refused or absent): the trainee hears nothing. */
  noMicrophone: boolean;
}

const IDLE: TrainingCallerState = {
  status: 'idle',
  callId: null,
  traineeName: '',
  held: false,
  ended: null,
  noMicrophone: false,
};
const caller = moduleState<TrainingCallerState>(IDLE);
const { set } = caller;

export const useTrainingCaller = (): TrainingCallerState => useModuleState(caller);

/** Failed waits in a row before the page gives up on the line (the server is unreachable). */
const MAX_FAILED_WAITS = 5;
const RETRY_MS = 1_000;

let line: Line | null = null;

/** This page's connection to the trainee, for its statistics or a test; null when none. */
export const trainingPeerConnection = (): RTCPeerConnection | null => line?.pc ?? null;

function finish(ended: TrainingCallerEnd): void {
  closeLine(line);
  line = null;
  set({ status: 'ended', held: false, ended });
}

/**
 * Starts a training call to `traineeId` with this browser as the caller. Throws what the server
 * refused (not allowed, the trainee is on a call); the state is then back to idle.
 */
export async function callTrainee(traineeId: string, traineeName: string): Promise<void> {
  const { status } = caller.get();
  if (status === 'starting' || status === 'ringing' || status === 'talking') return;
  set({ ...IDLE, status: 'starting', traineeName });
  // The microphone first: the trainee may answer as soon as it rings, and gets the offer then.
  const mic = await microphone();
  let callId: string;
  let own: Line;
  try {
    const started = await startTrainingCall(traineeId);
    callId = started.callId;
    own = await openLine(started.iceServers, mic);
  } catch (error) {
    for (const track of mic?.getTracks() ?? []) track.stop();
    set({ ...IDLE });
    throw error;
  }
  line = own;
  set({ status: 'ringing', callId, noMicrophone: !mic });
  try {
    await own.pc.setLocalDescription(await own.pc.createOffer());
    await gathered(own.pc);
    if (line !== own || !own.pc.localDescription) return;
    await sendTrainingOffer(callId, own.pc.localDescription.sdp);
  } catch {
    if (line === own) await hangUp();
    return;
  }
  void followLine(own, callId);
}

/** Follows the line until it ends: the trainee's answer, hold, and the end. */
async function followLine(own: Line, callId: string): Promise<void> {
  let answered = false;
  let failures = 0;
  while (line === own) {
    let now: Awaited<ReturnType<typeof waitForTrainingLine>>;
    try {
      now = await waitForTrainingLine(callId, { answered, held: caller.get().held });
      failures = 0;
    } catch {
      failures += 1;
      if (failures >= MAX_FAILED_WAITS) return line === own ? finish('failed') : undefined;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      continue;
    }
    if (line !== own) return;
    if (now.ended) return finish(now.ended);
    if (now.answer && !answered) {
      answered = true;
      await own.pc.setRemoteDescription({ type: 'answer', sdp: now.answer });
      set({ status: 'talking' });
    }
    if (now.held !== caller.get().held) {
      // The trainee put the call on hold: neither voice is carried until they resume.
      for (const track of own.mic?.getAudioTracks() ?? []) track.enabled = !now.held;
      set({ held: now.held });
    }
  }
}

/** The trainer has read why the last call ended: the card goes. */
export function dismissTrainingCall(): void {
  if (caller.get().status === 'ended') set({ ...IDLE });
}

/** The trainer hangs up (while it rings, or during the talk). */
export async function hangUp(): Promise<void> {
  const { callId, status } = caller.get();
  if (!callId || status === 'ended' || status === 'idle') return;
  finish(status === 'talking' ? 'ended' : 'no-answer');
  await hangUpTrainingCall(callId).catch(() => {});
}
