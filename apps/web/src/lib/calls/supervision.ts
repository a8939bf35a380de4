import type { IceServer } from '@llamenos/protocol';
import { useEffect, useState } from 'react';
import {
  answerSupervision,
  fetchSupervision,
  fetchSupervisionRequest,
  startSupervision,
  startSupervisionByPhone,
  stopSupervision,
} from '../api/supervision.js';
import { playThroughChosenSpeaker, storedAudioDevices } from './audio-devices.js';
import { gathered } from './ice-gathering.js';
import { providerPhoneLink } from './provider-phone/link.js';
import { callAudioTracks } from './webrtc.js';

/**
 * Silent supervision in the browser (docs/CALLS.md, "Silent supervision"). The admin's browser
 * offers a receive-only connection with two audio lines; the volunteer's browser, which has both
 * voices, answers it sending the caller's voice on one and its microphone on the other. Nothing
 * is sent from the admin, so neither the caller nor the volunteer can hear them; the volunteer's
 * card says that an admin listens.
 */

/** How often each side asks the server how the listening stands. */
const POLL_MS = 2_000;

// ---------------------------------------------------------------------------------------------
// The volunteer's side

/** Sends both voices to the admin's receive-only offer; the connection lasts as long as the call's. */
async function answerListener(
  callId: string,
  offer: string,
  iceServers: IceServer[],
): Promise<RTCPeerConnection> {
  const pc = new RTCPeerConnection({ iceServers });
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  const { caller, microphone } = callAudioTracks();
  const [first, second] = pc.getTransceivers();
  for (const [transceiver, track] of [
    [first, caller],
    [second, microphone],
  ] as const) {
    if (!transceiver) continue;
    // Send only: the admin's side has nothing to send, and this browser plays nothing from it.
    transceiver.direction = track ? 'sendonly' : 'inactive';
    if (track) await transceiver.sender.replaceTrack(track);
  }
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  if (pc.localDescription) await answerSupervision(callId, pc.localDescription.sdp);
  return pc;
}

export interface SupervisionNotice {
  /** The hotline allows silent supervision (the privacy line on the card). */
  enabled: boolean;
  /** An admin is listening to this call now. */
  listening: boolean;
}

/** The volunteer's card: whether supervision is on and whether an admin listens, answering an admin's offer. */
export function useSupervisionNotice(callId: string | null): SupervisionNotice {
  const [notice, setNotice] = useState<SupervisionNotice>({ enabled: false, listening: false });
  useEffect(() => {
    if (!callId) return;
    let stopped = false;
    let pc: RTCPeerConnection | null = null;
    const check = async () => {
      const request = await fetchSupervisionRequest(callId);
      if (stopped) return;
      setNotice({ enabled: request.enabled, listening: request.listening });
      if (!request.listening && pc) {
        pc.close();
        pc = null;
      }
      if (request.offer) {
        pc?.close();
        pc = await answerListener(callId, request.offer, request.iceServers);
        if (stopped) pc.close();
      }
    };
    const tick = () => void check().catch(() => {});
    tick();
    const timer = setInterval(tick, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
      pc?.close();
    };
  }, [callId]);
  return notice;
}

// ---------------------------------------------------------------------------------------------
// The admin's side

export interface Listening {
  callId: string;
  stop(): Promise<void>;
}

/**
 * Starts listening to `callId`: a receive-only offer, the volunteer's answer when it comes, both
 * voices played. `onEnded` is told when the listening ends from the other side (the call ended).
 */
export async function listenTo(
  callId: string,
  iceServers: IceServer[],
  onEnded: () => void,
  /** The provider whose browser phone carries the listening (Asterisk), when the server says so. */
  throughProvider?: string,
): Promise<Listening> {
  if (throughProvider) return listenThroughPhone(callId, throughProvider, onEnded);
  const pc = new RTCPeerConnection({ iceServers });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const players: HTMLAudioElement[] = [];
  pc.addEventListener('track', (event) => {
    const player = new Audio();
    player.srcObject = new MediaStream([event.track]);
    players.push(player);
    void playThroughChosenSpeaker(player, storedAudioDevices()).then(() => player.play().catch(() => {}));
  });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  await startSupervision(callId, pc.localDescription?.sdp ?? '');
  return followListening(
    callId,
    () => {
      pc.close();
      for (const p of players) p.srcObject = null;
    },
    onEnded,
    (sdp) => pc.setRemoteDescription({ type: 'answer', sdp }),
  );
}

/**
 * A listening once started: the server is asked every second how it stands; the volunteer's
 * answer goes to `onAnswer` once it comes; when the server says it ended (the call ended or
 * moved) or Stop is pressed, `release` lets the audio go, once, and `onEnded` hears of the
 * former.
 */
function followListening(
  callId: string,
  release: () => void,
  onEnded: () => void,
  onAnswer?: (sdp: string) => Promise<void>,
): Listening {
  let answered = false;
  let ended = false;
  const close = () => {
    if (ended) return;
    ended = true;
    clearInterval(timer);
    release();
  };
  const timer = setInterval(() => {
    void fetchSupervision(callId)
      .then(async (status) => {
        if (ended) return;
        if (!status.active) {
          close();
          onEnded();
        } else if (status.answer && onAnswer && !answered) {
          answered = true;
          await onAnswer(status.answer);
        }
      })
      .catch(() => {});
  }, 1_000);
  return {
    callId,
    async stop() {
      close();
      await stopSupervision(callId).catch(() => {});
    },
  };
}

/**
 * Listening through this member's browser phone at the provider (docs/CALLS.md, "Call controls
 * on provider calls"): the server rings the phone for the call and bridges it to a snoop on the
 * caller's channel once it is picked up, which this tab does at once, microphone muted (the
 * provider carries nothing from it anyway). The phone plays both voices on the chosen speaker.
 */
async function listenThroughPhone(callId: string, provider: string, onEnded: () => void): Promise<Listening> {
  const [started, picked] = await Promise.allSettled([
    startSupervisionByPhone(callId),
    providerPhoneLink.answer(callId, provider).then((answered) => {
      if (answered) providerPhoneLink.setMuted(true);
      return answered;
    }),
  ]);
  if (started.status === 'rejected') {
    providerPhoneLink.end(callId);
    throw started.reason;
  }
  if (picked.status === 'rejected') throw picked.reason;
  return followListening(callId, () => providerPhoneLink.end(callId), onEnded);
}
