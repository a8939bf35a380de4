import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallServer, startCallServer, waitFor } from '../../test/calls-helpers.js';
import { tickCallTimers } from './index.js';

/**
 * The caller's full number must appear in no table, no column and no log line (lesson 14):
 * only its keyed hash and last four digits are kept. Every kind of call is made with one
 * distinctive number, then every row of every table and every captured log line is searched.
 */
const CALLER = '+15557654321';
const DIGITS = CALLER.slice(1);

let s: CallServer;
beforeAll(async () => {
  s = await startCallServer();
});
afterAll(() => s?.close());

describe('caller number leak check', () => {
  it('keeps only the hash and last four digits of a caller, everywhere', async () => {
    const admin = await s.addUser(['admin']);
    const volunteer = await s.addUser(['volunteer'], { phone: '+15550003333' });
    await s.putOnShift([volunteer.id]);

    // Answered and completed.
    const answered = await s.carrier.placeCall({ from: CALLER, to: s.hotline });
    const [phone] = await waitFor(() => {
      const ringing = [...s.carrier.phones.values()].filter(
        (p) => p.role === 'leg' && p.status === 'ringing',
      );
      return ringing.length ? ringing : null;
    }, 'ringing');
    await s.carrier.answer(phone!.sid);
    await s.carrier.hangUp(answered.sid);
    await s.settle();

    // Abandoned while ringing.
    const abandoned = await s.carrier.placeCall({ from: CALLER, to: s.hotline });
    await s.settle();
    await s.carrier.hangUp(abandoned.sid);
    await s.settle();

    // Voicemail.
    await s.db.query('delete from shift_assignments');
    await s.carrier.placeCall({ from: CALLER, to: s.hotline });
    await s.settle();
    const [call] = await s.db.query(`select * from calls where status = 'ringing'`);
    await tickCallTimers(s.ctx, new Date(new Date(call!.queue_deadline as string).getTime() + 1000));
    await s.settle();
    expect(await s.db.query('select * from voicemails')).toHaveLength(1);

    // Banned from the app while still waiting (an ended call's hash is sealed, see call-meta.ts),
    // then rejected; and the ban list import of the same number.
    await s.carrier.placeCall({ from: CALLER, to: s.hotline });
    await s.settle();
    const [waiting] = await s.db.query(`select id from calls where status = 'ringing'`);
    const banned = await s.request('POST', `/api/calls/${waiting!.id}/ban`, { as: admin, body: {} });
    expect(banned.status).toBe(200);
    await s.carrier.placeCall({ from: CALLER, to: s.hotline });
    await s.settle();
    const imported = await s.request('POST', '/api/bans', { as: admin, body: { numbers: [CALLER] } });
    expect(await imported.text()).not.toContain(DIGITS);

    const calls = await s.db.query<{ caller_last4: string; caller_hash: string | null; status: string }>(
      'select caller_last4, caller_hash, status from calls',
    );
    expect(calls.length).toBe(5);
    expect(new Set(calls.map((c) => c.caller_last4))).toEqual(new Set(['4321']));
    // Every call has ended, so every caller hash was sealed for admins and cleared; the ban list
    // keeps the one hash that bans need.
    expect(calls.filter((c) => c.caller_hash !== null)).toEqual([]);
    expect(calls.map((c) => c.status).sort()).toEqual([
      'abandoned',
      'abandoned',
      'completed',
      'rejected',
      'voicemail',
    ]);
    expect(await s.db.query('select caller_hash from call_bans')).toHaveLength(1);

    const tables = await s.db.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`,
    );
    expect(tables.length).toBeGreaterThan(10);
    for (const { table_name } of tables) {
      const rows = await s.db.query(`select * from "${table_name}"`);
      // bigint columns (e.g. member_generation) come back as BigInt on PGlite: written as text.
      const text = JSON.stringify(rows, (_key, value) => (typeof value === 'bigint' ? String(value) : value));
      expect(text.includes(DIGITS), `${table_name} holds the caller's number`).toBe(false);
    }
    expect(s.logs.length).toBeGreaterThan(0);
    const leaking = s.logs.filter((line) => line.includes(DIGITS));
    expect(leaking).toEqual([]);
  });
});
