import type { Database } from '../../db/database.js';
import { MAX_SIGNAL_WAIT_MS } from '../../simulator/webrtc.js';
import type { BrowserAudio, BrowserConnector } from '../browser.js';
import { findTrainingLine, setTrainingAnswer, setTrainingHeld, type TrainingLineRow } from './store.js';

/**
 * The training line's signalling (docs/CALLS.md, "The training line"): per call, the trainer
 * (who plays the caller from their own signed-in browser) and the trainee, and the one offer and
 * one answer of the two browsers' connection. No carrier, no provider and no number is involved:
 * the server only passes the two session descriptions along, and the audio goes browser to
 * browser.
 *
 * The line lives in the database (`training_lines`, schema.ts), so the trainer's requests and
 * the trainee's may reach different server processes. A wait re-reads the row when this process
 * changes it (at once) and every POLL_MS otherwise (a change made on another process).
 *
 * Session descriptions carry network addresses, so they are never logged or published, and the
 * row is deleted when the call ends. Signalling is allowed between the two members only: the
 * trainer's routes check `trainerId`, the trainee's (the ordinary webrtc routes) check that they
 * won the call and `traineeId` here.
 */

/** The `calls.provider` of a training call: no telephony provider carries it. */
export const TRAINING_PROVIDER = 'training';

/** How often a wait re-reads the line for a change made on another process. */
const POLL_MS = 250;

export type TrainingLine = TrainingLineRow;

/** This process's waits on training lines: woken by changes made here, polling for the others'. */
export class TrainingLines {
  private readonly waiters = new Set<() => void>();
  private closed = false;

  /** Something changed on this process (an offer, an answer, hold, an end): every wait re-reads. */
  wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /**
   * Resolves with `check()`'s first non-null value, re-read on every change made here and every
   * POLL_MS, or null after `timeoutMs` (at most MAX_SIGNAL_WAIT_MS) or when the server closes.
   */
  async waitFor<T>(check: () => Promise<T | null>, timeoutMs: number): Promise<T | null> {
    const until = Date.now() + Math.min(timeoutMs, MAX_SIGNAL_WAIT_MS);
    for (;;) {
      const value = await check();
      if (value !== null || this.closed) return value;
      const left = until - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(POLL_MS, left));
        timer.unref?.();
        this.waiters.add(done);
      });
    }
  }

  /** The server is closing: every wait ends now. */
  closeAll(): void {
    this.closed = true;
    this.wake();
  }
}

/** The trainee's live line, or null: only they may take the trainer's offer or hold the call. */
async function traineeLine(db: Database, callId: string, userId: string): Promise<TrainingLine | null> {
  const line = await findTrainingLine(db, callId);
  return line && line.traineeId === userId ? line : null;
}

/**
 * The trainee's side, behind the router's browser signalling (webrtc-signalling.ts has already
 * checked that `userId` answered this live call).
 */
export const trainingBrowserAudio: BrowserAudio = {
  async callerOffer(ctx, call, userId, waitMs) {
    const found = await ctx.telephony.training.waitFor(async () => {
      const line = await traineeLine(ctx.db, call.id, userId);
      // A line gone (the call ended) or an offer already answered (another tab) has nothing to give.
      if (!line || line.answer) return { offer: null };
      return line.offer ? { offer: line.offer } : null;
    }, waitMs);
    return found?.offer ?? null;
  },

  async answerCaller(ctx, call, userId, sdp) {
    const set = await setTrainingAnswer(ctx.db, call.id, userId, sdp);
    if (set) ctx.telephony.training.wake();
    return set;
  },

  async hold(ctx, call, userId, onHold) {
    const set = await setTrainingHeld(ctx.db, call.id, userId, onHold);
    if (!set) return null;
    // The trainer's page hears of it with its next wait (within seconds) and stops its microphone.
    ctx.telephony.training.wake();
    return { onHold, changed: set.changed };
  },

  // A role-play is not handed to another member.
  async transfer() {
    return false;
  },
};

/** Nothing to bridge: the trainee's browser asks for the trainer's offer itself once it has won. */
export const connectTrainee: BrowserConnector = async () => {};
