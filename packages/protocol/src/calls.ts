import { z } from 'zod';
import { E164 } from './providers.js';
import { textLine } from './text.js';

/**
 * The call router's API shapes. Caller numbers never appear here: a call carries the caller's
 * last four digits at most; bans are identified by the keyed hash of the number.
 *
 * Call states:
 *   arriving  → the row exists; the IVR language menu is being played (or about to be)
 *   captcha   → the voice CAPTCHA is being played and typed back
 *   queued    → the caller waits; ringing has not started yet
 *   ringing   → volunteers' legs are ringing
 *   answered  → one volunteer won the compare-and-set and is connected
 *   completed | voicemail | abandoned | rejected → ended (rejected: ban, rate limit, CAPTCHA)
 */
export const CallStatus = z.enum([
  'arriving',
  'captcha',
  'queued',
  'ringing',
  'answered',
  'completed',
  'voicemail',
  'abandoned',
  'rejected',
]);
export type CallStatus = z.infer<typeof CallStatus>;

export interface CallView {
  id: string;
  provider: string;
  hotlineNumber: string;
  callerLast4: string | null;
  status: CallStatus;
  language: string;
  /** User id of the volunteer who answered. */
  answeredBy: string | null;
  answeredAt: string | null;
  endedAt: string | null;
  createdAt: string;
  queueDeadline: string | null;
  hasVoicemail: boolean;
  /**
   * History only (`GET /api/calls`, calls:read-all): once a call has ended, who answered, who
   * was rung and the caller's hash are sealed here (PURPOSES.callMeta, record id
   * "call-meta:<callId>") and `answeredBy` is null. Null while the call is live.
   */
  metaEnvelope?: SealedEnvelopeView | null;
  /** A role-play training call (the training line): shown as "Training call" on both sides. Absent otherwise. */
  training?: true;
}

/** A sealed envelope as the API returns it (PROTOCOL.md §9). */
export interface SealedEnvelopeView {
  v: 1;
  ciphertext: string;
  wraps: { reader: string; wrap: string }[];
}

/** `GET /api/calls/active`: calls ringing for the caller (or all, with calls:read-all) and their own live call. */
export interface ActiveCallsResponse {
  ringing: CallView[];
  mine: CallView | null;
}

/** `GET /api/calls` (history). */
export const CallHistoryQuery = z
  .object({
    status: CallStatus.optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    answeredBy: z.string().min(1).max(128).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();
export type CallHistoryQuery = z.infer<typeof CallHistoryQuery>;

export interface CallHistoryResponse {
  calls: CallView[];
  total: number;
}

export const CallIdParam = z.object({ id: z.uuid() }).strict();

/** `POST /api/calls/:id/ban`. */
export const BanCallBody = z.object({ reason: textLine(200, 0).default('') }).strict();

export interface BanView {
  callerHash: string;
  callerLast4: string | null;
  reason: string;
  createdBy: string | null;
  createdAt: string;
  expiresAt: string | null;
}

/** `POST /api/bans`: numbers are hashed on arrival and never echoed back. */
export const CreateBansBody = z
  .object({
    numbers: z.array(z.string().min(3).max(40)).min(1).max(1000),
    reason: textLine(200, 0).default(''),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type CreateBansBody = z.infer<typeof CreateBansBody>;

export interface CreateBansResponse {
  added: number;
  /** Numbers that were not phone numbers, by position in the request (never the number itself). */
  invalid: number[];
  bans: BanView[];
}

export const BanHashParam = z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/) }).strict();

/**
 * `GET /api/calls/:id/voicemail`: what the caller needs to open the recording. The file itself is
 * `GET /api/calls/:id/voicemail/audio`: streaming encryption (PURPOSES.voicemail.content,
 * recordId "voicemail:<callId>") under a file key, of which `wrap` is the caller's own copy
 * (PURPOSES.voicemail.wrap, same record id).
 */
export interface VoicemailView {
  callId: string;
  contentType: string;
  /** The recording's size in bytes, before encryption. */
  size: number;
  /** base64url of the file key wrapped for the caller. */
  wrap: string;
  durationSeconds: number;
  createdAt: string;
}

/** The simulated carrier's page (development only). */
export const SimulatorCallBody = z.object({ from: E164, to: E164.optional() }).strict();
export const SimulatorDigitsBody = z.object({ digits: z.string().regex(/^[0-9*#]{0,8}$/) }).strict();
