import { randomUUID } from 'node:crypto';
import { DEFAULT_SETTINGS, type HotlineSettings, type QueueAnnouncement } from '@llamenos/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CallServer, startCallServer } from '../../test/calls-helpers.js';
import { recordingStatements } from '../../test/statement-log.js';
import { announce, waitDocument } from './documents.js';
import { estimateWaitSeconds, MIN_ANSWERED_FOR_ESTIMATE } from './queue-announcement.js';
import { queueBoard } from './service.js';
import { type CallRow, findCall } from './store.js';

/**
 * What a queued caller is told after "thank you for waiting" (settings calls.queueAnnouncement):
 * their place in line, counted as the live board counts it, or the expected wait reckoned from
 * the last hour's answered calls, on whichever database the suite runs on.
 */

let s: CallServer;
const NOW = new Date();
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);

beforeAll(async () => {
  s = await startCallServer();
  const a = await s.addUser(['volunteer'], { phone: '+15550179001' });
  const b = await s.addUser(['volunteer'], { phone: '+15550179002' });
  await s.putOnShift([a.id, b.id]);
}, 90_000);
afterAll(() => s.close());
beforeEach(async () => {
  await s.db.query('delete from calls');
});

interface CallShape {
  status?: string;
  createdAt: Date;
  answeredAt?: Date;
  endedAt?: Date;
  training?: boolean;
}

async function addCall(shape: CallShape): Promise<CallRow> {
  const id = randomUUID();
  await s.db.query(
    `insert into calls (id, provider, provider_call_id, hotline_number, status, language, answered_at, ended_at,
                        queue_deadline, training, created_at, updated_at)
     values ($1, 'twilio', $2, '+15550001111', $3, 'en', $4, $5, $6, $7, $8, $8)`,
    [
      id,
      `CA${id}`,
      shape.status ?? 'queued',
      shape.answeredAt ?? null,
      shape.endedAt ?? null,
      new Date(NOW.getTime() + 600_000),
      shape.training ?? false,
      shape.createdAt,
    ],
  );
  return (await findCall(s.db, id))!;
}

const withMode = (queueAnnouncement: QueueAnnouncement | undefined): HotlineSettings => ({
  ...DEFAULT_SETTINGS,
  calls: { ...DEFAULT_SETTINGS.calls, queueAnnouncement },
});

/** The words of the wait document, in order. */
async function said(call: CallRow, mode: QueueAnnouncement | undefined): Promise<string[]> {
  const document = await waitDocument(s.ctx, call, withMode(mode), NOW);
  return document.flatMap((i) => (i.kind === 'say' ? [i.text] : []));
}

const THANKS = 'Thank you for waiting. Please stay on the line.';

/** Answered calls of the last hour that waited these many seconds each (and ended since). */
async function history(waits: number[]): Promise<void> {
  for (const [i, wait] of waits.entries()) {
    const createdAt = ago(3000 - i * 60);
    await addCall({
      status: 'completed',
      createdAt,
      answeredAt: new Date(createdAt.getTime() + wait * 1000),
      endedAt: ago(60),
    });
  }
}

describe('the queue announcement', () => {
  it('off (and absent): the caller hears only the thanks, as before', async () => {
    const call = await addCall({ createdAt: ago(30) });
    expect(await said(call, 'off')).toEqual([THANKS]);
    expect(await said(call, undefined)).toEqual([THANKS]);
    const document = await waitDocument(s.ctx, call, withMode('off'), NOW);
    expect(document.map((i) => i.kind)).toEqual(['say', 'play', 'redirect']);
  });

  it("'position': the first in line is number 1, the third number 3, counted as the live board counts", async () => {
    const first = await addCall({ createdAt: ago(90) });
    await addCall({ status: 'ringing', createdAt: ago(60) });
    const third = await addCall({ createdAt: ago(30) });
    // Not in line: answered, held (answered), ended, a training call, and a later caller.
    await addCall({ status: 'answered', createdAt: ago(200), answeredAt: ago(100) });
    await addCall({ status: 'abandoned', createdAt: ago(150), endedAt: ago(20) });
    await addCall({ training: true, createdAt: ago(120) });
    await addCall({ createdAt: ago(10) });
    expect(await said(first, 'position')).toEqual([THANKS, 'You are number 1 in line.']);
    expect(await said(third, 'position')).toEqual([THANKS, 'You are number 3 in line.']);
    // The admins' live board shows the same places.
    const board = await queueBoard(s.ctx);
    const onBoard = (id: string) => board.waiting.find((w) => w.callId === id)?.position;
    expect([onBoard(first.id), onBoard(third.id)]).toEqual([1, 3]);
  });

  it('ties on the arrival instant are broken by id, as the live board breaks them', async () => {
    const at = ago(45);
    const one = await addCall({ createdAt: at });
    const two = await addCall({ createdAt: at });
    const [earlier, later] = one.id < two.id ? [one, two] : [two, one];
    expect(await said(earlier, 'position')).toEqual([THANKS, 'You are number 1 in line.']);
    expect(await said(later, 'position')).toEqual([THANKS, 'You are number 2 in line.']);
  });

  it("'wait' with too little history says the position instead", async () => {
    await history([40, 50].slice(0, MIN_ANSWERED_FOR_ESTIMATE - 1));
    await addCall({ createdAt: ago(60) });
    const call = await addCall({ createdAt: ago(20) });
    expect(await said(call, 'wait')).toEqual([THANKS, 'You are number 2 in line.']);
  });

  it("'wait' with an hour of history: ⌈position / on shift⌉ × the median time to answer", async () => {
    // Median of 30, 60, 90, 120 s is 75 s; two volunteers are on shift.
    await history([30, 60, 90, 120]);
    // Older than the hour, or a training call: not counted.
    await addCall({ status: 'completed', createdAt: ago(7200), answeredAt: ago(5000), endedAt: ago(4000) });
    await addCall({
      status: 'completed',
      training: true,
      createdAt: ago(1000),
      answeredAt: ago(100),
      endedAt: ago(50),
    });
    const first = await addCall({ createdAt: ago(90) });
    await addCall({ createdAt: ago(60) });
    const third = await addCall({ createdAt: ago(30) });
    // 1 → ⌈1/2⌉ × 75 s = 75 s, about 1 minute; 3 → ⌈3/2⌉ × 75 s = 150 s, about 3 minutes (2.5 rounded).
    expect(await said(first, 'wait')).toEqual([THANKS, 'The expected wait is about 1 minute.']);
    expect(await said(third, 'wait')).toEqual([THANKS, 'The expected wait is about 3 minutes.']);
    // In the caller's language, with its plural form.
    const inRussian = { ...third, language: 'ru' };
    expect(await said(inRussian, 'wait')).toContain('Примерное время ожидания — 3 минуты.');
  });

  it('a held caller never hears a position or a wait: they are not in line', async () => {
    await addCall({ createdAt: ago(60) });
    const held = await addCall({ status: 'answered', createdAt: ago(300), answeredAt: ago(200) });
    for (const mode of ['position', 'wait'] as const) expect(await said(held, mode)).toEqual([THANKS]);
  });

  it('one statement for the position, one for the wait (the kept schedule checked in it)', async () => {
    const call = await addCall({ createdAt: ago(30) });
    await said(call, 'wait'); // the schedule is read once and kept (shifts/views.ts)
    const statements: string[] = [];
    const db = s.ctx.db;
    (s.ctx as { db: typeof db }).db = recordingStatements(db, (line) => statements.push(line));
    try {
      await said(call, 'off');
      expect(statements).toEqual([]);
      await said(call, 'position');
      expect(statements).toHaveLength(1);
      statements.length = 0;
      await said(call, 'wait');
      // The place and the hour's history in one statement (only its first 60 characters are logged).
      expect(statements, statements.join('\n')).toHaveLength(1);
      expect(statements[0]).toMatch(/^db: select \(select count/);
    } finally {
      (s.ctx as { db: typeof db }).db = db;
    }
  });
});

describe('the estimate and its words', () => {
  const facts = { position: 4, answered: 10, medianAnswerSeconds: 40 };
  it('is ⌈position / on shift⌉ × median, or nothing without data or volunteers', () => {
    expect(estimateWaitSeconds(facts, 2)).toBe(80);
    expect(estimateWaitSeconds(facts, 3)).toBe(80);
    expect(estimateWaitSeconds(facts, 4)).toBe(40);
    expect(estimateWaitSeconds(facts, 0)).toBeNull();
    expect(estimateWaitSeconds({ ...facts, answered: MIN_ANSWERED_FOR_ESTIMATE - 1 }, 2)).toBeNull();
    expect(estimateWaitSeconds({ ...facts, medianAnswerSeconds: null }, 2)).toBeNull();
  });

  it('says "less than a minute" under 60 s and whole minutes above', () => {
    expect(announce('en', { kind: 'wait', seconds: 59 })).toMatchObject({
      text: 'The expected wait is less than a minute.',
    });
    expect(announce('en', { kind: 'wait', seconds: 60 })).toMatchObject({
      text: 'The expected wait is about 1 minute.',
    });
    expect(announce('es', { kind: 'wait', seconds: 300 })).toMatchObject({
      text: 'El tiempo de espera estimado es de unos 5 minutos.',
    });
  });
});

describe('the setting', () => {
  it('is saved as off, position or wait; anything else is a 400 that says why', async () => {
    const admin = await s.addUser(['admin']);
    const read = async () => {
      const res = await s.request('GET', '/api/settings', { as: admin });
      return (await res.json()) as { settings: HotlineSettings; version: number };
    };
    const patch = (value: unknown, version: number) =>
      s.request('PATCH', '/api/settings/calls', { as: admin, body: { value, version } });
    const before = await read();
    expect(before.settings.calls.queueAnnouncement ?? 'off').toBe('off');
    const saved = await patch({ ...before.settings.calls, queueAnnouncement: 'wait' }, before.version);
    expect(saved.status).toBe(200);
    const after = await read();
    expect(after.settings.calls.queueAnnouncement).toBe('wait');
    const bad = await patch({ ...after.settings.calls, queueAnnouncement: 'loud' }, after.version);
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/calls\.queueAnnouncement/);
    expect(body.error.message).toMatch(/"off", "position" or "wait"/);
    expect(await read()).toEqual(after);
  });
});
