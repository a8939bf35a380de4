import { z } from 'zod';
import type {
  ActiveCallsResponse,
  BanView,
  CallHistoryResponse,
  CallView,
  CreateBansResponse,
  SealedEnvelopeView,
  VoicemailView,
} from '../calls.js';
import { CallStatus } from '../calls.js';
import { TrainingCallStarted, TrainingLineState } from '../training.js';
import { ReaderWrapSchema } from './records.js';

/** Answers of the call, ban and voicemail routes, as the web client checks them on arrival. */

export const SealedEnvelopeViewSchema = z.object({
  v: z.literal(1),
  ciphertext: z.string(),
  wraps: z.array(ReaderWrapSchema),
}) satisfies z.ZodType<SealedEnvelopeView>;

export const CallViewSchema = z.object({
  id: z.string(),
  provider: z.string(),
  hotlineNumber: z.string(),
  callerLast4: z.string().nullable(),
  status: CallStatus,
  language: z.string(),
  answeredBy: z.string().nullable(),
  answeredAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  createdAt: z.string(),
  queueDeadline: z.string().nullable(),
  hasVoicemail: z.boolean(),
  metaEnvelope: SealedEnvelopeViewSchema.nullable().optional(),
  training: z.literal(true).optional(),
}) satisfies z.ZodType<CallView>;

/** `GET /api/calls/active`. */
export const ActiveCallsResponseSchema = z.object({
  ringing: z.array(CallViewSchema),
  mine: CallViewSchema.nullable(),
}) satisfies z.ZodType<ActiveCallsResponse>;

/**
 * `GET /api/calls/queue` (calls:read-all): the call queue as it stands, for the admins' live
 * board. Waiting callers longest-waiting first with their position and wait, who rings for each
 * (user ids), and who is on a call. Last four digits only, as everywhere.
 */
export const CallQueueBoardSchema = z.object({
  at: z.string(),
  waiting: z.array(
    z.object({
      callId: z.string(),
      callerLast4: z.string().nullable(),
      position: z.number().int().positive(),
      waitingSeconds: z.number().int().nonnegative(),
      queueDeadline: z.string().nullable(),
      ringing: z.array(z.string()),
    }),
  ),
  onCalls: z.array(z.object({ callId: z.string(), answeredBy: z.string(), answeredAt: z.string() })),
});
export type CallQueueBoard = z.infer<typeof CallQueueBoardSchema>;

/**
 * `GET /api/calls/:id`: one call as its detail page shows it. What the server may see: times,
 * outcome, the caller's last four digits, whether a voicemail was left. Who answered and who
 * was rung are in the clear only while the call is live (`answeredBy`, `ringing`, user ids);
 * once it ended they are in `call.metaEnvelope`, sealed for the holders of calls:read-all, and
 * only they get it. A volunteer (who may open only calls they answered) gets `answeredByMe`.
 */
export const CallDetailSchema = z.object({
  call: CallViewSchema,
  /** Seconds from the answer to the end (or to now, while live); null if nobody answered. */
  talkSeconds: z.number().int().nonnegative().nullable(),
  /** Seconds the caller waited: to the answer, or to the end if nobody answered. */
  waitSeconds: z.number().int().nonnegative().nullable(),
  /** User ids of the volunteers ringing for the call right now (calls:read-all only). */
  ringing: z.array(z.string()),
  answeredByMe: z.boolean(),
});
export type CallDetail = z.infer<typeof CallDetailSchema>;

/** `GET /api/calls` (history). */
export const CallHistoryResponseSchema = z.object({
  calls: z.array(CallViewSchema),
  total: z.number().int(),
}) satisfies z.ZodType<CallHistoryResponse>;

/** `POST /api/calls/:id/answer` and `…/hangup`. */
export const CallResponse = z.object({ call: CallViewSchema });

/** `POST /api/calls/:id/ban`. */
export const BanCallResponse = z.object({ banned: z.boolean(), call: CallViewSchema });

export const BanViewSchema = z.object({
  callerHash: z.string(),
  callerLast4: z.string().nullable(),
  reason: z.string(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
}) satisfies z.ZodType<BanView>;

/** `GET /api/bans`. */
export const BanListResponse = z.object({ bans: z.array(BanViewSchema) });

/** `POST /api/bans`. */
export const CreateBansResponseSchema = z.object({
  added: z.number().int(),
  invalid: z.array(z.number().int()),
  bans: z.array(BanViewSchema),
}) satisfies z.ZodType<CreateBansResponse>;

/** `GET /api/calls/:id/voicemail`. */
export const VoicemailViewSchema = z.object({
  callId: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  wrap: z.string(),
  durationSeconds: z.number(),
  createdAt: z.string(),
}) satisfies z.ZodType<VoicemailView>;

/** `POST /api/training-calls`: the training call, and the ICE servers of the trainer's connection. */
export const TrainingCallResponseSchema = TrainingCallStarted;
/** `GET /api/training-calls/:id/line`: how the training call stands for the trainer. */
export const TrainingLineResponseSchema = TrainingLineState;
