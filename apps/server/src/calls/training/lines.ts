import { CallerAudioSignals } from '../../simulator/webrtc.js';
import type { BrowserAudio, BrowserConnector } from '../browser.js';

/**
 * The training line's calls in this process's memory (docs/CALLS.md, "The training line"): per
 * call, the trainer (who plays the caller from their own signed-in browser) and the trainee, and
 * the one offer and one answer of the two browsers' connection. No carrier, no provider and no
 * number is involved: the server only passes the two session descriptions along, as it does for
 * the warm transfer's talk between two members, and the audio goes browser to browser.
 *
 * Session descriptions carry network addresses, so they are never logged, stored or published,
 * and they are forgotten with the call. Signalling is allowed between the two members only: the
 * trainer's routes check `trainerId`, the trainee's (the ordinary webrtc routes) check that they
 * won the call and `traineeId` here.
 */

/** The `calls.provider` of a training call: no telephony provider carries it. */
export const TRAINING_PROVIDER = 'training';

export interface TrainingLine {
  callId: string;
  trainerId: string;
  traineeId: string;
}

/** Lines kept at most: far above the training calls any hotline runs at once. */
const MAX_LINES = 500;

export class TrainingLines {
  private readonly lines = new Map<string, TrainingLine>();
  /** The offer (the trainer's), the answer (the trainee's) and hold, keyed by call id. */
  readonly audio = new CallerAudioSignals();

  open(line: TrainingLine): void {
    if (this.lines.size >= MAX_LINES) {
      const oldest = this.lines.keys().next().value;
      if (oldest !== undefined) this.close(oldest);
    }
    this.lines.set(line.callId, line);
  }

  of(callId: string): TrainingLine | null {
    return this.lines.get(callId) ?? null;
  }

  /** The call ended: nothing of its signalling is kept, and the trainer's wait returns. */
  close(callId: string): void {
    this.lines.delete(callId);
    this.audio.forget(callId);
  }

  /** The server is closing: every wait ends now. */
  closeAll(): void {
    this.lines.clear();
    this.audio.close();
  }
}

/** The trainee of a live line, or null: only they may take the trainer's offer or hold the call. */
const traineeLine = (lines: TrainingLines, callId: string, userId: string): TrainingLine | null => {
  const line = lines.of(callId);
  return line && line.traineeId === userId ? line : null;
};

/**
 * The trainee's side, behind the router's browser signalling (webrtc-signalling.ts has already
 * checked that `userId` answered this live call).
 */
export const trainingBrowserAudio: BrowserAudio = {
  async callerOffer(ctx, call, userId, waitMs) {
    const lines = ctx.telephony.training;
    const found = await lines.audio.waitFor(() => {
      // A line gone (the call ended) or an offer already answered (another tab) has nothing to give.
      if (!traineeLine(lines, call.id, userId) || lines.audio.answerOf(call.id)) return { offer: null };
      const offer = lines.audio.offerOf(call.id);
      return offer ? { offer } : null;
    }, waitMs);
    return found?.offer ?? null;
  },

  async answerCaller(ctx, call, userId, sdp) {
    const lines = ctx.telephony.training;
    if (!traineeLine(lines, call.id, userId)) return false;
    return lines.audio.setAnswer(call.id, sdp);
  },

  async hold(ctx, call, userId, onHold) {
    const lines = ctx.telephony.training;
    if (!traineeLine(lines, call.id, userId)) return null;
    const set = lines.audio.setHeld(call.id, onHold);
    if (!set) return null;
    // The trainer's page hears of it with its next wait (within seconds) and stops its microphone.
    lines.audio.wake();
    return { onHold, changed: set.changed };
  },

  // A role-play is not handed to another member.
  async transfer() {
    return false;
  },
};

/** Nothing to bridge: the trainee's browser asks for the trainer's offer itself once it has won. */
export const connectTrainee: BrowserConnector = async () => {};
