import { z } from 'zod';
import { StatsBucket } from '../stats.js';

/** Answers of the stats routes, as the web client checks them on arrival. */

const Count = z.number().int().min(0);

/**
 * Calls by how they ended, counted by arrival time. `answered`: someone took it (live or ended);
 * `voicemail`: the caller was sent to voicemail; `abandoned`: the caller hung up before anyone
 * answered; `rejected`: refused on arrival (ban, rate limit, unknown number). Calls still
 * waiting count in `total` only.
 */
export const CallCounts = z.object({
  total: Count,
  answered: Count,
  voicemail: Count,
  abandoned: Count,
  rejected: Count,
});
export type CallCounts = z.infer<typeof CallCounts>;

/** Conversations that began in the bucket, and those whose (latest) close fell in it. */
export const ConversationCounts = z.object({ new: Count, closed: Count });
export type ConversationCounts = z.infer<typeof ConversationCounts>;

export const StatsPeriodRow = z.object({
  /** The bucket's first instant (ISO 8601, UTC); it ends where the next one starts. */
  start: z.string(),
  calls: CallCounts,
  conversations: ConversationCounts,
});
export type StatsPeriodRow = z.infer<typeof StatsPeriodRow>;

/** One bin of the wait-time histogram: [fromSeconds, toSeconds); toSeconds null for the last. */
export const WaitTimeBin = z.object({
  fromSeconds: Count,
  toSeconds: Count.nullable(),
  count: Count,
});
export type WaitTimeBin = z.infer<typeof WaitTimeBin>;

/** What one member did in the period (calls they answered, their talk time, conversations they replied in). */
export const VolunteerActivity = z.object({
  userId: z.string(),
  displayName: z.string().nullable(),
  callsAnswered: Count,
  talkSeconds: Count,
  conversationsHandled: Count,
});
export type VolunteerActivity = z.infer<typeof VolunteerActivity>;

export const StatsReport = z.object({
  timeZone: z.string(),
  bucket: StatsBucket,
  /** The period as instants: from its first to just past its last moment. */
  from: z.string(),
  to: z.string(),
  periods: z.array(StatsPeriodRow),
  totals: z.object({
    calls: CallCounts,
    conversations: ConversationCounts,
    /** answered / (answered + voicemail + abandoned); null when no call reached that point. */
    answerRate: z.number().min(0).max(1).nullable(),
  }),
  /** Time from a call's arrival to its answer, over the answered calls. */
  waitTimes: z.object({
    bins: z.array(WaitTimeBin),
    medianSeconds: z.number().min(0).nullable(),
    averageSeconds: z.number().min(0).nullable(),
  }),
  volunteers: z.array(VolunteerActivity),
});
export type StatsReport = z.infer<typeof StatsReport>;

/**
 * The first-run checklist: each item true once the hotline's real state shows it done.
 * `hotlineNamed` / `timeZoneSet`: changed from the defaults, or saved by an admin;
 * `volunteersInvited`: an invite exists or another member joined; `shiftsCreated`: a shift
 * exists; `providerConnected`: a telephony provider (or the simulator) has a number;
 * `testCallMade`: any call has reached the hotline.
 */
export const SetupChecklist = z.object({
  hotlineNamed: z.boolean(),
  timeZoneSet: z.boolean(),
  volunteersInvited: z.boolean(),
  shiftsCreated: z.boolean(),
  providerConnected: z.boolean(),
  testCallMade: z.boolean(),
});
export type SetupChecklist = z.infer<typeof SetupChecklist>;
