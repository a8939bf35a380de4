import { z } from 'zod';
import { IceServers, Sdp } from '../webrtc.js';

/** Answers of the active-call card's controls (hold, transfer). */

/** The hold state the call is now in, as the server keeps it. */
export const CallHoldResponse = z.object({ onHold: z.boolean() }).strict();
export type CallHoldResponse = z.infer<typeof CallHoldResponse>;

/**
 * Which controls the active-call card offers for this call (GET /api/calls/:id/controls): hold,
 * cold and warm transfer where the carrier can move the call's audio (the simulated carrier;
 * Asterisk, transfers only where it rings browsers); all false elsewhere and on training calls.
 */
export const CallControlsResponse = z
  .object({ hold: z.boolean(), transfer: z.boolean(), warmTransfer: z.boolean() })
  .strict();
export type CallControlsResponse = z.infer<typeof CallControlsResponse>;

/** Whom a browser call may be handed to (GET /api/calls/:id/transfer-targets): members on shift, by name only. */
export const CallTransferTargetsResponse = z
  .object({ targets: z.array(z.object({ id: z.string(), displayName: z.string() }).strict()) })
  .strict();
export type CallTransferTargetsResponse = z.infer<typeof CallTransferTargetsResponse>;

/**
 * A warm transfer as one side sees it (GET /api/calls/:id/warm-transfer): `asking` until the
 * colleague accepts or declines, `talking` once they accepted (the transferring member gets the
 * colleague's answer to connect their voices), `none` when there is none (never started, handed
 * over, cancelled, or the call ended), with the ICE servers for that connection.
 */
export const WarmTransferStatusResponse = z
  .object({
    state: z.enum(['none', 'asking', 'talking', 'declined']),
    answer: Sdp.nullable(),
    iceServers: IceServers,
  })
  .strict();
export type WarmTransferStatusResponse = z.infer<typeof WarmTransferStatusResponse>;

/**
 * A colleague asking this member to take a call (GET /api/calls/transfers/incoming): who asks (name
 * only) and their session offer for the talk before the hand-over; null when nobody asks.
 */
export const WarmTransferInviteResponse = z
  .object({
    invite: z
      .object({ callId: z.string(), fromName: z.string(), offer: Sdp, iceServers: IceServers })
      .strict()
      .nullable(),
  })
  .strict();
export type WarmTransferInviteResponse = z.infer<typeof WarmTransferInviteResponse>;

/** Live browser calls an admin may listen to (GET /api/calls/supervision/live); `enabled` is the hotline setting. */
export const SupervisableCallsResponse = z
  .object({
    enabled: z.boolean(),
    iceServers: IceServers,
    calls: z.array(
      z
        .object({
          callId: z.string(),
          volunteerName: z.string(),
          answeredAt: z.string().nullable(),
          /**
           * Listened to through the admin's browser phone at this provider (Asterisk), started with
           * POST /api/calls/:id/supervision/phone; absent: through the volunteer's browser (an offer).
           */
          throughProvider: z.string().optional(),
        })
        .strict(),
    ),
  })
  .strict();
export type SupervisableCallsResponse = z.infer<typeof SupervisableCallsResponse>;

/**
 * The volunteer's side (GET /api/calls/:id/supervision/request): whether the hotline allows
 * silent supervision (said on the card), an admin's offer waiting for this browser's answer, and
 * whether an admin is listening now.
 */
export const SupervisionRequestResponse = z
  .object({ enabled: z.boolean(), offer: Sdp.nullable(), listening: z.boolean(), iceServers: IceServers })
  .strict();
export type SupervisionRequestResponse = z.infer<typeof SupervisionRequestResponse>;

/** The admin's side (GET /api/calls/:id/supervision): the volunteer's answer once given; `active` false once it ended. */
export const SupervisionStatusResponse = z.object({ active: z.boolean(), answer: Sdp.nullable() }).strict();
export type SupervisionStatusResponse = z.infer<typeof SupervisionStatusResponse>;
