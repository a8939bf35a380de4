import { randomUUID } from 'node:crypto';
import { SetupChecklist, StatsReport } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { appendAudit } from '../audit/service.js';
import { patchSettingsSection } from '../settings/service.js';
import { bucketBounds } from './service.js';

/**
 * The dashboards' figures over seeded calls, conversations and audit entries, with exact counts.
 * The hotline is in New York and the period spans the night the clocks go back (2026-11-01), so
 * a "day" is a local day of 24 or 25 hours and a call at 03:30 UTC on 1 November belongs to
 * 31 October.
 */

const ZONE = 'America/New_York';
const at = (iso: string) => new Date(iso);
const later = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000);

let h: TestHotline;
let admin: TestUser;
let volunteer: TestUser;
let ana: TestUser;
let bo: TestUser;
let cy: TestUser;

async function seedCall(
  status: string,
  arrived: string,
  answer?: { afterSeconds: number; by: TestUser; talkSeconds?: number },
): Promise<string> {
  const id = randomUUID();
  const answeredAt = answer ? later(arrived, answer.afterSeconds) : null;
  const ended =
    status === 'answered'
      ? null
      : answer
        ? later(arrived, answer.afterSeconds + (answer.talkSeconds ?? 0))
        : null;
  await h.ctx.db.query(
    `insert into calls (id, provider, provider_call_id, hotline_number, status, answered_at, ended_at, created_at, updated_at)
     values ($1, 'twilio', $2, '+15550100100', $3, $4, $5, $6, $6)`,
    [id, `CA${id}`, status, answeredAt, ended, at(arrived)],
  );
  if (answer && answeredAt) {
    await appendAudit(
      h.ctx.db,
      {
        action: 'calls.answered',
        target: `call:${id}`,
        details: { callId: id, answeredBy: answer.by.id, via: 'browser' },
      },
      answeredAt,
    );
    if (ended)
      await appendAudit(
        h.ctx.db,
        {
          action: 'calls.ended',
          target: `call:${id}`,
          details: {
            callId: id,
            outcome: status,
            reason: 'caller-hangup',
            answeredSeconds: answer.talkSeconds ?? 0,
          },
        },
        ended,
      );
  }
  return id;
}

async function seedConversation(created: string, closed?: string): Promise<string> {
  const id = randomUUID();
  await h.ctx.db.query(
    `insert into conversations (id, channel, kind, hotline_address, contact_hash, contact_enc, status, last_message_at, created_at, closed_at)
     values ($1, 'sms', 'sms', '+15550100100', $2, 'sealed', $3, $4, $4, $5)`,
    [id, `hash-${id}`, closed ? 'closed' : 'active', at(created), closed ? at(closed) : null],
  );
  return id;
}

async function seedMessage(conversationId: string, sent: string, author: TestUser | null): Promise<void> {
  await h.ctx.db.query(
    `insert into conversation_messages (id, conversation_id, direction, channel, ciphertext, author, delivery, created_at)
     values ($1, $2, $3, 'sms', 'ciphertext', $4, $5, $6)`,
    [
      randomUUID(),
      conversationId,
      author ? 'out' : 'in',
      author?.id ?? null,
      author ? 'sent' : 'received',
      at(sent),
    ],
  );
}

const actorOf = (u: TestUser) => ({ userId: u.id, pubkey: u.pubkey, permissions: ['*'], ipHash: 'test' });

async function setTimeZone(zone: string): Promise<void> {
  const res = await h.request('GET', '/api/settings', { as: admin });
  const { version } = (await res.json()) as { version: number };
  await patchSettingsSection(h.ctx, actorOf(admin), 'timeZone', zone, version);
}

async function get(path: string, as: TestUser = admin) {
  const res = await h.request('GET', path, { as });
  return { status: res.status, body: (await res.json()) as unknown };
}

beforeAll(async () => {
  h = await createTestHotline();
  admin = await h.addUser(['admin'], 'Admin');
  volunteer = await h.addUser(['volunteer'], 'Volunteer');
  ana = await h.addUser(['volunteer'], 'Ana');
  bo = await h.addUser(['volunteer'], 'Bo');
  cy = await h.addUser(['volunteer'], '=HYPERLINK("http://x")');
});
afterAll(() => h.close());

describe('bucket bounds', () => {
  it('cuts days and hours on the hotline clock across a change of clocks', () => {
    const days = bucketBounds('2026-10-31', '2026-11-01', 'day', ZONE).map((d) => d.toISOString());
    expect(days).toEqual([
      '2026-10-31T04:00:00.000Z',
      '2026-11-01T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
    ]);
    const hours = bucketBounds('2026-10-31', '2026-11-01', 'hour', ZONE);
    expect(hours).toHaveLength(24 + 25 + 1);
    expect(bucketBounds('2026-03-08', '2026-03-08', 'hour', ZONE)).toHaveLength(23 + 1);
  });
});

describe('the first-run checklist', () => {
  it('starts empty and follows the hotline state, item by item', async () => {
    const fresh = await get('/api/stats/setup');
    expect(fresh.status).toBe(200);
    // Other members exist already in this test (added above), so invitations count as done.
    expect(SetupChecklist.parse(fresh.body)).toEqual({
      hotlineNamed: false,
      timeZoneSet: false,
      volunteersInvited: true,
      shiftsCreated: false,
      providerConnected: false,
      testCallMade: false,
    });

    const settings = await get('/api/settings');
    const { version } = settings.body as { version: number };
    await patchSettingsSection(h.ctx, actorOf(admin), 'hotlineName', 'Línea Norte', version);
    await setTimeZone(ZONE);
    const now = h.ctx.now();
    await h.ctx.db.query(
      `insert into shifts (id, name, weekday, start_time, duration_minutes, created_at, updated_at)
       values ($1, 'Morning', 0, '09:00', 240, $2, $2)`,
      [randomUUID(), now],
    );
    await h.ctx.db.query(
      `insert into provider_credentials (provider, sealed, phone_numbers, updated_at)
       values ('simulator', 'sealed', '["+15550100100"]'::jsonb, $1)`,
      [now],
    );
    const partway = SetupChecklist.parse((await get('/api/stats/setup')).body);
    expect(partway).toEqual({
      hotlineNamed: true,
      timeZoneSet: true,
      volunteersInvited: true,
      shiftsCreated: true,
      providerConnected: true,
      testCallMade: false,
    });
  });

  it('is for those who set the hotline up', async () => {
    expect((await get('/api/stats/setup', volunteer)).status).toBe(403);
  });
});

describe('hotline stats', () => {
  beforeAll(async () => {
    await setTimeZone(ZONE);
    // 31 October, local (EDT, UTC-4).
    await seedCall('completed', '2026-10-31T14:00:00Z', { afterSeconds: 20, by: ana, talkSeconds: 300 });
    await seedCall('completed', '2026-10-31T15:00:00Z', { afterSeconds: 45, by: bo, talkSeconds: 120 });
    await seedCall('voicemail', '2026-10-31T16:00:00Z');
    await seedCall('abandoned', '2026-11-01T03:30:00Z'); // 23:30 on 31 October in New York
    // 1 November, local (EDT until 02:00, then EST, UTC-5): 25 hours.
    await seedCall('rejected', '2026-11-01T12:00:00Z');
    await seedCall('completed', '2026-11-01T13:00:00Z'); // ended before anyone answered
    await seedCall('answered', '2026-11-02T04:30:00Z', { afterSeconds: 400, by: ana }); // 23:30 EST, still live
    // Outside the period on either side.
    await seedCall('completed', '2026-10-31T03:00:00Z', { afterSeconds: 5, by: bo, talkSeconds: 60 });
    await seedCall('completed', '2026-11-02T05:30:00Z', { afterSeconds: 5, by: ana, talkSeconds: 60 });

    const v1 = await seedConversation('2026-10-31T18:00:00Z', '2026-11-01T20:00:00Z');
    const v2 = await seedConversation('2026-11-01T10:00:00Z');
    const v3 = await seedConversation('2026-10-30T10:00:00Z', '2026-10-31T12:00:00Z');
    await seedMessage(v1, '2026-10-31T18:01:00Z', null);
    await seedMessage(v1, '2026-10-31T18:05:00Z', ana);
    await seedMessage(v1, '2026-10-31T18:09:00Z', ana);
    await seedMessage(v2, '2026-11-01T10:10:00Z', cy);
    await seedMessage(v3, '2026-10-30T10:10:00Z', bo);
  });

  it('counts calls, conversations, wait times and each member by the local day', async () => {
    const { status, body } = await get('/api/stats?from=2026-10-31&to=2026-11-01&bucket=day');
    expect(status).toBe(200);
    const report = StatsReport.parse(body);
    expect(report.timeZone).toBe(ZONE);
    expect(report.from).toBe('2026-10-31T04:00:00.000Z');
    expect(report.to).toBe('2026-11-02T05:00:00.000Z');
    expect(report.periods).toEqual([
      {
        start: '2026-10-31T04:00:00.000Z',
        calls: { total: 4, answered: 2, voicemail: 1, abandoned: 1, rejected: 0 },
        conversations: { new: 1, closed: 1 },
      },
      {
        start: '2026-11-01T04:00:00.000Z',
        calls: { total: 3, answered: 1, voicemail: 0, abandoned: 1, rejected: 1 },
        conversations: { new: 1, closed: 1 },
      },
    ]);
    expect(report.totals).toEqual({
      calls: { total: 7, answered: 3, voicemail: 1, abandoned: 2, rejected: 1 },
      conversations: { new: 2, closed: 2 },
      answerRate: 0.5,
    });
    expect(report.waitTimes.bins.map((b) => [b.fromSeconds, b.toSeconds, b.count])).toEqual([
      [0, 10, 0],
      [10, 30, 1],
      [30, 60, 1],
      [60, 120, 0],
      [120, 300, 0],
      [300, null, 1],
    ]);
    expect(report.waitTimes.medianSeconds).toBe(45);
    expect(report.waitTimes.averageSeconds).toBe(155);
    expect(report.volunteers).toEqual([
      { userId: ana.id, displayName: 'Ana', callsAnswered: 2, talkSeconds: 300, conversationsHandled: 1 },
      { userId: bo.id, displayName: 'Bo', callsAnswered: 1, talkSeconds: 120, conversationsHandled: 0 },
      {
        userId: cy.id,
        displayName: '=HYPERLINK("http://x")',
        callsAnswered: 0,
        talkSeconds: 0,
        conversationsHandled: 1,
      },
    ]);
  });

  it('cuts the same period into 49 hours', async () => {
    const report = StatsReport.parse(
      (await get('/api/stats?from=2026-10-31&to=2026-11-01&bucket=hour')).body,
    );
    expect(report.periods).toHaveLength(49);
    expect(report.periods.reduce((s, p) => s + p.calls.total, 0)).toBe(7);
    // 23:30 EDT on 31 October: the 24th hour of the period.
    expect(report.periods[23]).toMatchObject({ start: '2026-11-01T03:00:00.000Z', calls: { abandoned: 1 } });
    expect(report.periods[48]).toMatchObject({ start: '2026-11-02T04:00:00.000Z', calls: { answered: 1 } });
  });

  it('answers an empty period with zeros and no rate', async () => {
    const report = StatsReport.parse((await get('/api/stats?from=2025-01-01&to=2025-01-03')).body);
    expect(report.periods).toHaveLength(3);
    expect(report.totals.answerRate).toBeNull();
    expect(report.waitTimes.medianSeconds).toBeNull();
    expect(report.volunteers).toEqual([]);
  });

  it('exports the same figures as CSV, with formulas defused', async () => {
    const res = await h.request('GET', '/api/stats/csv?from=2026-10-31&to=2026-11-01&table=volunteers', {
      as: admin,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('"member id","name","calls answered","talk seconds","conversations handled"');
    expect(lines).toContain(`"${ana.id}","Ana","2","300","1"`);
    expect(lines).toContain(`"${cy.id}","'=HYPERLINK(""http://x"")","0","0","1"`);

    const periods = await h.request('GET', '/api/stats/csv?from=2026-10-31&to=2026-11-01&table=periods', {
      as: admin,
    });
    expect((await periods.text()).split('\r\n').slice(1, 3)).toEqual([
      '"2026-10-31T04:00:00.000Z","4","2","1","1","0","1","1"',
      '"2026-11-01T04:00:00.000Z","3","1","0","1","1","1","1"',
    ]);
  });

  it('refuses a bad period with a 400 that says why', async () => {
    for (const [query, words] of [
      ['from=2026-11-02&to=2026-11-01', 'before'],
      ['from=2026-01-01&to=2026-02-15&bucket=hour', '31 days'],
      ['from=2026-02-30&to=2026-03-01', 'exists'],
      ['from=2026-01-01&to=2026-01-02&bucket=week', 'bucket'],
      ['from=2026-01-01&to=2026-01-02&extra=1', 'extra'],
      ['from=2026-01-01', 'to'],
    ] as const) {
      const { status, body } = await get(`/api/stats?${query}`);
      expect(status, query).toBe(400);
      expect(JSON.stringify(body), query).toContain(words);
    }
    expect((await get('/api/stats/csv?from=2026-01-01&to=2026-01-02&table=secrets')).status).toBe(400);
  });

  it('shows the figures to admins only', async () => {
    expect((await get('/api/stats?from=2026-10-31&to=2026-11-01', volunteer)).status).toBe(403);
    expect((await get('/api/stats/csv?from=2026-10-31&to=2026-11-01&table=periods', volunteer)).status).toBe(
      403,
    );
  });

  it('ticks "make a test call" once any call exists', async () => {
    expect(SetupChecklist.parse((await get('/api/stats/setup')).body).testCallMade).toBe(true);
  });
});
