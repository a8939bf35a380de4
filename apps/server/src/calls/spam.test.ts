import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallServer, fakeCaller, startCallServer, waitFor } from '../../test/calls-helpers.js';

/** Spam defences: bans (from a call and imported), the per-caller rate limit, the voice CAPTCHA, the IVR menu. */

let s: CallServer;
let realNow: () => Date;
let last: { sid: string } | undefined;
beforeAll(async () => {
  s = await startCallServer();
  realNow = s.ctx.now;
  await s.addUser(['admin'], { name: 'Admin' });
});
afterAll(() => s?.close());

/** The row of the call a simulated phone placed (by its provider call id: test clocks move). */
const rowOf = async (phone: { sid: string }) =>
  (await s.db.query('select * from calls where provider_call_id = $1', [phone.sid]))[0]!;

describe('bans', () => {
  it('ban and hang up from the app: the call ends and the next call from that number is rejected', async () => {
    const volunteer = await s.addUser(['volunteer'], { preference: 'browser' });
    const supervisor = await s.addUser(['admin']);
    await s.putOnShift([volunteer.id]);
    const from = fakeCaller();
    const caller = await s.carrier.placeCall({ from, to: s.hotline });
    last = caller;
    await s.settle();
    const call = await rowOf(last!);
    expect((await s.request('POST', `/api/calls/${call.id}/answer`, { as: volunteer })).status).toBe(200);
    // A volunteer without calls:ban cannot ban.
    expect((await s.request('POST', `/api/calls/${call.id}/ban`, { as: volunteer })).status).toBe(403);
    const ban = await s.request('POST', `/api/calls/${call.id}/ban`, {
      as: supervisor,
      body: { reason: 'abusive' },
    });
    expect(ban.status).toBe(200);
    await s.settle();
    expect(caller.status).toBe('completed');
    expect((await s.db.query('select status from calls where id = $1', [call.id]))[0]!.status).toBe(
      'completed',
    );

    const again = await s.carrier.placeCall({ from, to: s.hotline });
    last = again;
    await s.settle();
    expect(again.status).toBe('completed');
    expect(again.heard.join(' ')).toContain('cannot take your call');
    const rejected = await rowOf(last!);
    expect(rejected).toMatchObject({ status: 'rejected', reject_reason: 'banned' });
    expect(await s.db.query('select * from call_legs where call_id = $1', [rejected.id])).toHaveLength(0);
    const audit = await s.db.query<{ action: string; details: Record<string, unknown> }>(
      `select action, details from audit_log where action in ('calls.banned', 'calls.rejected') order by seq`,
    );
    expect(audit.map((a) => a.action)).toEqual(['calls.banned', 'calls.rejected']);
    expect(audit[1]!.details.reason).toBe('banned');
  });

  it('imports numbers to ban (hashed on arrival, never echoed), lists and removes them', async () => {
    const admin = await s.addUser(['admin']);
    const volunteer = await s.addUser(['volunteer']);
    const numbers = [fakeCaller(), fakeCaller(), 'not a number'];
    expect((await s.request('POST', '/api/bans', { as: volunteer, body: { numbers } })).status).toBe(403);
    const res = await s.request('POST', '/api/bans', {
      as: admin,
      body: { numbers, reason: 'list from partner line' },
    });
    expect(res.status).toBe(201);
    const text = await res.text();
    for (const n of numbers.slice(0, 2)) expect(text).not.toContain(n.slice(1));
    const body = JSON.parse(text);
    expect(body).toMatchObject({ added: 2, invalid: [2] });
    const list = await (await s.request('GET', '/api/bans', { as: admin })).json();
    expect(list.bans.length).toBeGreaterThanOrEqual(2);
    // The imported number is refused.
    last = await s.carrier.placeCall({ from: numbers[0]!, to: s.hotline });
    await s.settle();
    expect(await rowOf(last!)).toMatchObject({ status: 'rejected', reject_reason: 'banned' });
    // Removed, it rings again.
    const hash = body.bans[0].callerHash as string;
    const own = body.bans.find((b: { callerLast4: string }) => b.callerLast4 === numbers[0]!.slice(-4));
    expect((await s.request('DELETE', `/api/bans/${own.callerHash}`, { as: admin })).status).toBe(204);
    expect((await s.request('DELETE', `/api/bans/${own.callerHash}`, { as: admin })).status).toBe(404);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    last = await s.carrier.placeCall({ from: numbers[0]!, to: s.hotline });
    await s.settle();
    expect((await rowOf(last!)).status).not.toBe('rejected');
  });
});

describe('per-caller rate limit', () => {
  it('blocks a caller above callsPerCallerPerHour for blockMinutes, in the database', async () => {
    await s.setSettings((x) => ({ ...x, spam: { ...x.spam, callsPerCallerPerHour: 2, blockMinutes: 5 } }));
    const from = fakeCaller();
    const t0 = Date.now();
    const at = (ms: number) => {
      s.ctx.now = () => new Date(t0 + ms);
    };
    try {
      for (let i = 0; i < 2; i++) {
        at(i * 1000);
        last = await s.carrier.placeCall({ from, to: s.hotline });
        await s.settle();
        expect((await rowOf(last!)).status).not.toBe('rejected');
      }
      at(2000);
      last = await s.carrier.placeCall({ from, to: s.hotline });
      await s.settle();
      expect(await rowOf(last!)).toMatchObject({ status: 'rejected', reject_reason: 'rate-limited' });
      at(4 * 60_000); // still blocked
      last = await s.carrier.placeCall({ from, to: s.hotline });
      await s.settle();
      expect((await rowOf(last!)).reject_reason).toBe('rate-limited');
      // Another caller is not affected.
      at(4 * 60_000 + 1000);
      last = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
      await s.settle();
      expect((await rowOf(last!)).status).not.toBe('rejected');
      at(66 * 60_000); // block over and the hour's window rolled over
      last = await s.carrier.placeCall({ from, to: s.hotline });
      await s.settle();
      expect((await rowOf(last!)).status).not.toBe('rejected');
    } finally {
      s.ctx.now = realNow;
      await s.setSettings((x) => ({
        ...x,
        spam: { ...x.spam, callsPerCallerPerHour: 10, blockMinutes: 60 },
      }));
    }
  });
});

describe('voice CAPTCHA and language menu', () => {
  it('queues a caller who types the digits back, and hangs up on one who does not', async () => {
    await s.setSettings((x) => ({ ...x, spam: { ...x.spam, voiceCaptcha: true } }));
    try {
      const human = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
      last = human;
      const call = await rowOf(last!);
      expect(call.status).toBe('captcha');
      const digits = call.captcha_digits as string;
      expect(digits).toMatch(/^\d{4}$/);
      expect(human.heard.join(' ')).toContain(digits.split('').join(', '));
      for (const d of digits) await s.carrier.pressDigits(human.sid, d);
      await s.settle();
      const passed = (await s.db.query('select * from calls where id = $1', [call.id]))[0]!;
      expect(['queued', 'ringing']).toContain(passed.status);
      expect(passed.captcha_digits).toBeNull(); // erased once used
      expect(human.queue).toBe(`call-${call.id}`);

      const robot = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
      last = robot;
      const robotCall = await rowOf(last!);
      const wrong = String(robotCall.captcha_digits)[0] === '9' ? '0' : '9';
      await s.carrier.pressDigits(robot.sid, wrong);
      await s.settle();
      expect(robot.status).toBe('completed');
      expect((await s.db.query('select * from calls where id = $1', [robotCall.id]))[0]).toMatchObject({
        status: 'rejected',
        reject_reason: 'captcha',
        captcha_digits: null,
      });
    } finally {
      await s.setSettings((x) => ({ ...x, spam: { ...x.spam, voiceCaptcha: false } }));
    }
  });

  it('offers the IVR language menu when enabled and speaks the chosen language', async () => {
    await s.setSettings((x) => ({
      ...x,
      languages: ['en', 'es'],
      calls: { ...x.calls, ivrLanguageMenu: true },
    }));
    try {
      const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
      last = caller;
      expect(caller.heard).toEqual(['For English, press 1.', 'Para español, marque 2.']);
      expect((await rowOf(last!)).status).toBe('arriving');
      await s.carrier.pressDigits(caller.sid, '2');
      await s.settle();
      const call = await rowOf(last!);
      expect(call.language).toBe('es');
      expect(caller.heard.join(' ')).toContain('Gracias por llamar');
      // An empty choice (the menu timed out) takes the first language.
      const quiet = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
      last = quiet;
      await s.carrier.pressDigits(quiet.sid, '');
      await waitFor(async () => (await rowOf(last!)).status !== 'arriving', 'menu left');
      expect((await rowOf(last!)).language).toBe('en');
    } finally {
      await s.setSettings((x) => ({ ...x, calls: { ...x.calls, ivrLanguageMenu: false } }));
    }
  });
});
