import { TrainingCallResponseSchema, TrainingLineResponseSchema } from '@llamenos/protocol';
import { request, requestVoid } from './http.js';

/**
 * The trainer's side of the training line (docs/CALLS.md, "The training line"; calls:train): the
 * trainer's own browser is the caller. The trainee uses the ordinary call routes.
 */
const base = (callId: string) => `/api/training-calls/${encodeURIComponent(callId)}`;

/** Starts a role-play call that rings only `traineeId`'s browser. */
export const startTrainingCall = (traineeId: string) =>
  request(TrainingCallResponseSchema, 'POST', '/api/training-calls', { traineeId });

/** The trainer's offer, once. */
export const sendTrainingOffer = (callId: string, sdp: string) =>
  requestVoid('POST', `${base(callId)}/offer`, { sdp });

/** Waits (up to 25 s on the server) until the line differs from what this page knows, or the call ends. */
export const waitForTrainingLine = (callId: string, known: { answered: boolean; held: boolean }) =>
  request(
    TrainingLineResponseSchema,
    'GET',
    `${base(callId)}/line?answered=${known.answered}&held=${known.held}`,
  );

export const hangUpTrainingCall = (callId: string) => requestVoid('POST', `${base(callId)}/hangup`);
