import {
  DEFAULT_SETTINGS,
  type SetupChecklist,
  type StatsBucket,
  type StatsCsvTable,
  type StatsQuery,
  type StatsReport,
  WAIT_TIME_BOUNDS_SECONDS,
} from '@llamenos/protocol';
import { addDays, localToInstant } from '@llamenos/protocol/zoned-time';
import type { Member } from '../domain/actor.js';
import type { ServerContext } from '../http/context.js';
import { loadSettings } from '../settings/store.js';
import { csvTable } from './csv.js';
import { callsPerBucket, conversationsPerBucket, setupFacts, volunteerActivity, waitTimes } from './store.js';

/**
 * The hotline's figures for a period, for the admins' dashboards: counts and durations only,
 * from what the server holds in plaintext (store.ts says which). The period is read on the
 * hotline's calendar (settings' time zone), so "Monday" and "09:00" mean what staff mean.
 */

/**
 * The instants that cut [from, to] into buckets on the hotline's wall clock: the first is the
 * local midnight starting `from`, the last the one ending `to`. An hour bucket is an hour of
 * real time (a day when the clocks go back has 25 of them, the day they go forward 23).
 */
export function bucketBounds(from: string, to: string, bucket: StatsBucket, zone: string): Date[] {
  const bounds: number[] = [];
  const end = addDays(to, 1);
  for (let day = from; day <= end; day = addDays(day, 1)) bounds.push(localToInstant(day, 0, zone));
  if (bucket === 'day') return bounds.map((t) => new Date(t));
  const hours: number[] = [];
  const last = bounds.at(-1) ?? 0;
  for (let t = bounds[0] ?? 0; t < last; t += 3_600_000) hours.push(t);
  hours.push(last);
  return hours.map((t) => new Date(t));
}

const rate = (answered: number, reached: number) => (reached ? answered / reached : null);

export async function hotlineStats(ctx: ServerContext, query: StatsQuery): Promise<StatsReport> {
  const { settings } = await loadSettings(ctx.db);
  const zone = settings.timeZone;
  const bounds = bucketBounds(query.from, query.to, query.bucket, zone);
  const from = bounds[0] as Date;
  const to = bounds.at(-1) as Date;
  const [calls, conversations, waits, volunteers] = await Promise.all([
    callsPerBucket(ctx.db, bounds),
    conversationsPerBucket(ctx.db, bounds),
    waitTimes(ctx.db, from, to),
    volunteerActivity(ctx.db, from, to),
  ]);
  const callsAt = new Map(calls.map((r) => [r.bucket, r]));
  const conversationsAt = new Map(conversations.map((r) => [r.bucket, r]));
  const periods = bounds.slice(0, -1).map((start, i) => {
    const c = callsAt.get(i + 1);
    const m = conversationsAt.get(i + 1);
    return {
      start: start.toISOString(),
      calls: {
        total: c?.total ?? 0,
        answered: c?.answered ?? 0,
        voicemail: c?.voicemail ?? 0,
        abandoned: c?.abandoned ?? 0,
        rejected: c?.rejected ?? 0,
      },
      conversations: { new: m?.opened ?? 0, closed: m?.closed ?? 0 },
    };
  });
  const sum = (pick: (p: (typeof periods)[number]) => number) => periods.reduce((s, p) => s + pick(p), 0);
  const totals = {
    calls: {
      total: sum((p) => p.calls.total),
      answered: sum((p) => p.calls.answered),
      voicemail: sum((p) => p.calls.voicemail),
      abandoned: sum((p) => p.calls.abandoned),
      rejected: sum((p) => p.calls.rejected),
    },
    conversations: { new: sum((p) => p.conversations.new), closed: sum((p) => p.conversations.closed) },
  };
  const { answered, voicemail, abandoned } = totals.calls;
  return {
    timeZone: zone,
    bucket: query.bucket,
    from: from.toISOString(),
    to: to.toISOString(),
    periods,
    totals: { ...totals, answerRate: rate(answered, answered + voicemail + abandoned) },
    waitTimes: {
      bins: waits.bins.map((count, i) => ({
        fromSeconds: i === 0 ? 0 : (WAIT_TIME_BOUNDS_SECONDS[i - 1] ?? 0),
        toSeconds: WAIT_TIME_BOUNDS_SECONDS[i] ?? null,
        count,
      })),
      medianSeconds: waits.median,
      averageSeconds: waits.average,
    },
    volunteers,
  };
}

/** One table of the same figures as CSV (formula-protected cells, CRLF lines). */
export async function hotlineStatsCsv(
  ctx: ServerContext,
  query: StatsQuery,
  table: StatsCsvTable,
): Promise<string> {
  const report = await hotlineStats(ctx, query);
  switch (table) {
    case 'periods':
      return csvTable(
        [
          'period start',
          'calls',
          'answered',
          'voicemail',
          'abandoned',
          'rejected',
          'new conversations',
          'closed conversations',
        ],
        report.periods.map((p) => [
          p.start,
          p.calls.total,
          p.calls.answered,
          p.calls.voicemail,
          p.calls.abandoned,
          p.calls.rejected,
          p.conversations.new,
          p.conversations.closed,
        ]),
      );
    case 'wait-times':
      return csvTable(
        ['from seconds', 'to seconds', 'answered calls'],
        report.waitTimes.bins.map((b) => [b.fromSeconds, b.toSeconds ?? '', b.count]),
      );
    case 'volunteers':
      return csvTable(
        ['member id', 'name', 'calls answered', 'talk seconds', 'conversations handled'],
        report.volunteers.map((v) => [
          v.userId,
          v.displayName ?? '',
          v.callsAnswered,
          v.talkSeconds,
          v.conversationsHandled,
        ]),
      );
  }
}

/**
 * The first-run checklist, from the hotline's real state. The name and time zone count as done
 * once they differ from a fresh install's, or once an admin saved them (a hotline that really
 * is in UTC confirms that by saving it).
 */
export async function setupChecklist(ctx: ServerContext, me: Member): Promise<SetupChecklist> {
  const [{ settings }, facts] = await Promise.all([loadSettings(ctx.db), setupFacts(ctx.db, me.userId)]);
  return {
    hotlineNamed:
      settings.hotlineName !== DEFAULT_SETTINGS.hotlineName || facts.savedSections.has('hotlineName'),
    timeZoneSet: settings.timeZone !== DEFAULT_SETTINGS.timeZone || facts.savedSections.has('timeZone'),
    volunteersInvited: facts.invites > 0 || facts.otherMembers > 0,
    shiftsCreated: facts.shifts > 0,
    providerConnected: facts.providerNumbers > 0,
    testCallMade: facts.calls > 0,
  };
}
