import { z } from 'zod';
import { IceServers, Sdp } from './webrtc.js';

/**
 * The training line (docs/CALLS.md, "The training line"): a trainer plays the caller from their
 * own signed-in browser and a trainee answers in theirs, browser to browser over WebRTC; the
 * server passes one offer (the trainer's) and one answer (the trainee's) along.
 */

/** `POST /api/training-calls`: rings `traineeId`'s browser only. */
export const TrainingCallBody = z.object({ traineeId: z.uuid('traineeId: a member id') }).strict();
export type TrainingCallBody = z.infer<typeof TrainingCallBody>;

/** `POST /api/training-calls` → 201: the call, and the ICE servers for the trainer's connection. */
export const TrainingCallStarted = z.object({ callId: z.string(), iceServers: IceServers }).strict();
export type TrainingCallStarted = z.infer<typeof TrainingCallStarted>;

/** `POST /api/training-calls/:id/offer`: the trainer's offer, once. */
export const TrainingOfferBody = z.object({ sdp: Sdp }).strict();
export type TrainingOfferBody = z.infer<typeof TrainingOfferBody>;

/**
 * `GET /api/training-calls/:id/line?answered=&held=`: the trainer's page says what it knows, and
 * the server answers as soon as something else is true (or after a while, with the same state).
 */
const Flag = z.enum(['true', 'false']).transform((v) => v === 'true');
export const TrainingLineQuery = z
  .object({ answered: Flag.optional().default(false), held: Flag.optional().default(false) })
  .strict();
export type TrainingLineQuery = z.infer<typeof TrainingLineQuery>;

/**
 * How the training call stands for the trainer: the trainee's answer once they answered, whether
 * the trainee holds the call, and why it ended: `no-answer` (the ring time-out passed, or the
 * trainer gave up while it rang) or `ended` (either side hung up after answering).
 */
export const TrainingLineState = z
  .object({
    answer: Sdp.nullable(),
    held: z.boolean(),
    ended: z.enum(['no-answer', 'ended']).nullable(),
  })
  .strict();
export type TrainingLineState = z.infer<typeof TrainingLineState>;
