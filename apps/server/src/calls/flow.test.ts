import { readFile, stat, writeFile } from 'node:fs/promises';
import { CryptoError, decryptStream, STREAM_HEADER_LENGTH } from '@llamenos/crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type CallServer, fakeCaller, startCallServer, waitFor } from '../../test/calls-helpers.js';
import {
  decryptVoicemailStream,
  fileStream,
  openStoredVoicemail,
  playVoicemail,
  unwrapVoicemailKey,
  voicemailCtx,
  voicemailRow,
} from '../../test/voicemail-helpers.js';
import { chimeWav } from '../simulator/wav.js';
import { tickCallTimers } from './index.js';
import { RECORDING_DELETE_BACKOFF_MS } from './recording-deletes.js';

/**
 * The whole call flow through the simulated carrier against a real listening server: signed
 * webhooks over loopback HTTP, legs created through the fake Twilio REST API, TwiML followed.
 */

const servers: CallServer[] = [];
const start = async (options: Parameters<typeof startCallServer>[0] = {}) => {
  const s = await startCallServer(options);
  servers.push(s);
  return s;
};
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const callRow = async (s: CallServer) =>
  (
    await s.db.query<Record<string, unknown> & { id: string }>(
      'select * from calls order by created_at desc limit 1',
    )
  )[0]!;
const legPhones = (s: CallServer) => [...s.carrier.phones.values()].filter((p) => p.role === 'leg');
const ringingPhones = (s: CallServer, n: number) =>
  waitFor(() => {
    const ringing = legPhones(s).filter((p) => p.status === 'ringing');
    return ringing.length === n ? ringing : null;
  }, `${n} phones ringing`);
/** Bytes of the STREAM encryption of `n` bytes in 64 KiB chunks: header, then 16-byte tags. */
const streamSize = (n: number) => STREAM_HEADER_LENGTH + n + 16 * (Math.floor(n / 65536) + 1);
const auditActions = async (s: CallServer) =>
  (
    await s.db.query<{ action: string }>(
      `select action from audit_log where action like 'calls.%' order by seq`,
    )
  ).map((r) => r.action);

describe('call flow through the simulated carrier', () => {
  it('rings both volunteers on shift; the first to press 1 wins, the other leg is cancelled at the provider', async () => {
    const s = await start();
    const ana = await s.addUser(['volunteer'], { phone: '+15550001111', name: 'Ana' });
    const ben = await s.addUser(['volunteer'], { phone: '+15550002222', name: 'Ben' });
    await s.putOnShift([ana.id, ben.id]);

    const t0 = performance.now();
    const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    expect(caller.queue).toMatch(/^call-/);
    const [first, second] = await ringingPhones(s, 2);
    const ringMs = performance.now() - t0;

    const t1 = performance.now();
    await s.carrier.answer(first!.sid);
    const answerMs = performance.now() - t1;
    await s.settle();

    const call = await callRow(s);
    const winnerLeg = (
      await s.db.query('select * from call_legs where provider_leg_id = $1', [first!.sid])
    )[0]!;
    expect(call.status).toBe('answered');
    expect(call.answered_by).toBe(winnerLeg.user_id);
    expect(caller.bridgedTo).toBe(first!.sid);
    expect(first!.bridgedTo).toBe(caller.sid);
    expect(s.carrier.api.call(second!.sid)?.status).toBe('canceled');
    const loser = (
      await s.db.query('select status from call_legs where provider_leg_id = $1', [second!.sid])
    )[0]!;
    expect(loser.status).toBe('canceled');

    // The volunteer hangs up: the call is completed, once.
    await s.carrier.hangUp(first!.sid);
    await s.settle();
    expect((await callRow(s)).status).toBe('completed');
    expect(caller.status).toBe('completed');
    expect(await auditActions(s)).toEqual(['calls.ringing', 'calls.answered', 'calls.ended']);
    console.info(
      `timing: call placed → 2 phones ringing ${ringMs.toFixed(0)} ms; press 1 → connected ${answerMs.toFixed(0)} ms`,
    );
  });

  it('gives the call to exactly one of 10 volunteers pressing 1 at the same moment', async () => {
    const s = await start();
    const users = [];
    for (let i = 0; i < 10; i++)
      users.push(await s.addUser(['volunteer'], { phone: `+1555000${String(3000 + i)}`, name: `V${i}` }));
    await s.putOnShift(users.map((u) => u.id));
    const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    const phones = await ringingPhones(s, 10);
    await Promise.all(phones.map((p) => s.carrier.pickUp(p.sid)));
    expect(phones.every((p) => p.gather !== null)).toBe(true);
    const t = performance.now();
    await Promise.all(phones.map((p) => s.carrier.pressDigits(p.sid, '1')));
    const pressMs = performance.now() - t;
    await s.settle();

    const call = await callRow(s);
    expect(call.status).toBe('answered');
    const connected = phones.filter((p) => p.bridgedTo === caller.sid);
    expect(connected).toHaveLength(1);
    const winner = (
      await s.db.query('select user_id from call_legs where provider_leg_id = $1', [connected[0]!.sid])
    )[0]!;
    expect(call.answered_by).toBe(winner.user_id);
    const losers = phones.filter((p) => p !== connected[0]);
    for (const p of losers) {
      // Each loser either heard "another volunteer took this call" or was hung up by the winner's
      // cancel first (which of the two reaches a phone first is a race, as on a real network).
      expect(p.bridgedTo).toBeNull();
      expect(['completed', 'canceled']).toContain(s.carrier.api.call(p.sid)?.status);
    }
    expect((await auditActions(s)).filter((a) => a === 'calls.answered')).toHaveLength(1);
    console.info(`timing: 10 concurrent presses of 1 settled in ${pressMs.toFixed(0)} ms`);
  });

  it('sends an unanswered call to voicemail at its deadline: recorded, sealed for admins, deleted at the provider', async () => {
    const s = await start();
    const admin = await s.addUser(['admin'], { name: 'Admin' });
    const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    const call = await callRow(s);
    expect(call.status).toBe('ringing'); // nobody on shift, no fallback: nothing rings
    expect(await s.db.query('select * from call_legs')).toHaveLength(0);

    // Before the deadline nothing happens; after it, voicemail.
    const deadline = new Date(call.queue_deadline as string).getTime();
    expect((await tickCallTimers(s.ctx, new Date(deadline - 1000))).voicemail).toBe(0);
    const t = performance.now();
    expect((await tickCallTimers(s.ctx, new Date(deadline + 1000))).voicemail).toBe(1);
    await s.settle();
    const voicemailMs = performance.now() - t;

    const [stored] = await s.db.query('select * from voicemails where call_id = $1', [call.id]);
    expect(stored!.content_type).toBe('audio/mpeg');
    expect('envelope' in stored!).toBe(false);
    expect((stored!.wraps as { reader: string }[]).map((w) => w.reader)).toEqual([admin.pubkey]);
    const chime = chimeWav(2);
    expect(Number(stored!.size)).toBe(chime.length);
    // The file in the attachment store is the STREAM encryption of the recording, no more.
    const { file } = await voicemailRow(s.ctx, s.db, call.id);
    expect((await stat(file)).size).toBe(streamSize(chime.length));
    expect(Buffer.from(await openStoredVoicemail(s.ctx, s.db, call.id, admin)).equals(chime)).toBe(true);
    // Through the API, as the admin's client opens it: the own wrap, then the encrypted stream.
    const played = await playVoicemail(
      (method, path) => s.request(method, path, { as: admin }),
      call.id,
      admin.secretKey,
    );
    expect(played.view).toMatchObject({ callId: call.id, durationSeconds: 2, size: chime.length });
    expect(played.view.wrap).toBe((stored!.wraps as { wrap: string }[])[0]!.wrap);
    expect(Buffer.from(played.audio).equals(chime)).toBe(true);
    const recordings = [...s.carrier.api.state.recordings.values()];
    expect(recordings).toHaveLength(1);
    expect(recordings[0]!.deleted).toBe(true);
    const ended = await callRow(s);
    expect(ended.status).toBe('voicemail');
    expect(ended.ended_at).not.toBeNull();
    expect(caller.heard.join(' ')).toContain('leave a message');
    // The caller's hang-up and the stored recording race (two callbacks); each is audited once.
    expect((await auditActions(s)).sort()).toEqual([
      'calls.ended',
      'calls.ringing',
      'calls.voicemail',
      'calls.voicemail-played',
      'calls.voicemail-stored',
    ]);
    // A second tick finds nothing more to do.
    expect(await tickCallTimers(s.ctx, new Date(deadline + 5000))).toMatchObject({ voicemail: 0, swept: 0 });
    console.info(`timing: deadline tick → voicemail stored ${voicemailMs.toFixed(0)} ms`);
  });

  it('streams a 20 MB recording (600 s of 16 kHz WAV) to disk encrypted chunk by chunk; a flipped byte fails to open', async () => {
    const s = await start();
    const admin = await s.addUser(['admin'], { name: 'Admin' });
    // The caller talks for 600 s at 16 kHz: 19.2 MB, above the old 16 MiB one-piece limit.
    const big = chimeWav(600, 16000);
    expect(big.length).toBeGreaterThan(16 * 1024 * 1024);
    const state = s.carrier.api.state;
    const addRecording = state.addRecording.bind(state);
    state.addRecording = (sid, _bytes, contentType, _seconds) => addRecording(sid, big, contentType, 600);
    await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    const call = await callRow(s);
    await tickCallTimers(s.ctx, new Date(new Date(call.queue_deadline as string).getTime() + 1000));
    await s.settle();

    const { row, file } = await voicemailRow(s.ctx, s.db, call.id);
    expect(Number(row.size)).toBe(big.length);
    expect((await stat(file)).size).toBe(streamSize(big.length));
    // decryptStream over the file yields the original bytes, one 64 KiB chunk at a time.
    const key = unwrapVoicemailKey((row.wraps as { wrap: string }[])[0]!.wrap, admin.secretKey, call.id);
    let chunks = 0;
    let offset = 0;
    let same = true;
    const plain = fileStream(file).pipeThrough(decryptStream(key, voicemailCtx(call.id)));
    for await (const chunk of plain as unknown as AsyncIterable<Uint8Array>) {
      chunks += 1;
      expect(chunk.length).toBeLessThanOrEqual(65536);
      same &&= Buffer.from(chunk).equals(Buffer.from(big.subarray(offset, offset + chunk.length)));
      offset += chunk.length;
    }
    expect(same).toBe(true);
    expect(offset).toBe(big.length);
    expect(chunks).toBe(Math.floor(big.length / 65536) + 1);
    expect([...state.recordings.values()][0]!.deleted).toBe(true);

    // One flipped byte in the stored file: opening it fails with a typed error.
    const bytes = await readFile(file);
    bytes[STREAM_HEADER_LENGTH + 70_000]! ^= 0x01;
    await writeFile(file, bytes);
    const failure = await decryptVoicemailStream(fileStream(file), key, call.id).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CryptoError);
    expect(failure).toMatchObject({ code: 'DECRYPT_FAILED' });
  }, 180_000);

  it('retries a failed delete at the provider from the tick with backoff until it succeeds', async () => {
    const s = await start();
    await s.addUser(['admin'], { name: 'Admin' });
    // The provider answers DELETE with 500 twice, then deletes (204).
    s.carrier.api.failNext({ status: 500, method: 'DELETE', pathIncludes: '/Recordings/', times: 2 });
    await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    const call = await callRow(s);
    const deadline = new Date(call.queue_deadline as string).getTime();
    await tickCallTimers(s.ctx, new Date(deadline + 1000));
    await s.settle();
    expect(await s.db.query('select 1 from voicemails where call_id = $1', [call.id])).toHaveLength(1);
    const [recording] = [...s.carrier.api.state.recordings.values()];
    expect(recording!.deleted).toBe(false);
    const pending = async () =>
      (await s.db.query('select * from recording_deletes where call_id = $1', [call.id]))[0];
    // Both callbacks tried once; the first failure scheduled a retry.
    const first = await pending();
    expect(first).toMatchObject({ provider: 'simulator', recording_ref: recording!.sid, gave_up_at: null });
    expect(Number(first!.attempts)).toBeGreaterThanOrEqual(1);

    // Failures left: drive the clock forward until the row is gone (at most a few ticks).
    let at = Date.now();
    for (let i = 0; i < 6 && (await pending()); i++) {
      at = new Date((await pending())!.next_attempt_at as string).getTime() + 1;
      await tickCallTimers(s.ctx, new Date(at));
    }
    expect(await pending()).toBeUndefined();
    expect(recording!.deleted).toBe(true);
    expect(await auditActions(s)).not.toContain('calls.recording-delete-failed');
  });

  it('audits a delete at the provider that fails past the last retry, and keeps the row', async () => {
    const s = await start();
    await s.addUser(['admin'], { name: 'Admin' });
    s.carrier.api.failNext({ status: 500, method: 'DELETE', pathIncludes: '/Recordings/', times: Infinity });
    await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    const call = await callRow(s);
    await tickCallTimers(s.ctx, new Date(new Date(call.queue_deadline as string).getTime() + 1000));
    await s.settle();
    const pending = async () =>
      (await s.db.query('select * from recording_deletes where call_id = $1', [call.id]))[0]!;
    const delays: number[] = [];
    for (let i = 0; i < 20 && (await pending()).gave_up_at === null; i++) {
      const row = await pending();
      const next = new Date(row.next_attempt_at as string).getTime();
      delays.push(next);
      expect((await tickCallTimers(s.ctx, new Date(next + 1))).recordingDeleteFailures).toBe(1);
    }
    const row = await pending();
    expect(row.gave_up_at).not.toBeNull();
    expect(Number(row.attempts)).toBe(RECORDING_DELETE_BACKOFF_MS.length + 1);
    // The waits grew, up to hours between the last attempts.
    const gaps = delays.slice(1).map((t, i) => t - delays[i]!);
    expect(gaps.every((g, i) => i === 0 || g >= gaps[i - 1]!)).toBe(true);
    const [audit] = await s.db.query(
      `select * from audit_log where action = 'calls.recording-delete-failed'`,
    );
    expect(audit!.details).toMatchObject({ callId: call.id, provider: 'simulator' });
    expect(s.logs.some((l) => l.includes('"level":"error"') && l.includes('deleted there by hand'))).toBe(
      true,
    );
    // Given up: later ticks leave it alone; the recording is still at the provider.
    expect((await tickCallTimers(s.ctx, new Date(Date.now() + 7 * 86400_000))).recordingDeleteFailures).toBe(
      0,
    );
    expect([...s.carrier.api.state.recordings.values()][0]!.deleted).toBe(false);
  });

  it('cancels every leg and marks the call abandoned when the caller hangs up while ringing', async () => {
    const s = await start();
    const a = await s.addUser(['volunteer'], { phone: '+15550004001' });
    const b = await s.addUser(['volunteer'], { phone: '+15550004002' });
    await s.putOnShift([a.id, b.id]);
    const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    const phones = await ringingPhones(s, 2);
    await s.carrier.hangUp(caller.sid);
    await s.settle();
    expect((await callRow(s)).status).toBe('abandoned');
    for (const p of phones) expect(s.carrier.api.call(p.sid)?.status).toBe('canceled');
    const legs = await s.db.query<{ status: string }>('select status from call_legs');
    expect(legs.map((l) => l.status)).toEqual(['canceled', 'canceled']);
    expect(await auditActions(s)).toEqual(['calls.ringing', 'calls.ended']);
  });

  it('still rings the other volunteers when the provider fails on one leg', async () => {
    const s = await start();
    const users = [];
    for (let i = 0; i < 3; i++) users.push(await s.addUser(['volunteer'], { phone: `+1555000500${i}` }));
    await s.putOnShift(users.map((u) => u.id));
    s.carrier.api.failNext({ status: 500, method: 'POST', pathIncludes: '/Calls.json' });
    await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await ringingPhones(s, 2);
    await s.settle();
    const legs = await s.db.query<{ status: string }>('select status from call_legs order by status');
    // The two placed legs are live (queued: no leg asks for its "ringing", twilio/rest.ts LEG_EVENTS).
    expect(legs.map((l) => l.status).sort()).toEqual(['failed', 'queued', 'queued']);
    expect((await callRow(s)).status).toBe('ringing');
  });

  it('still rings the other volunteers when the provider times out on one leg', async () => {
    const s = await start({ telephony: { simulator: { timeoutMs: 1500 } } });
    const users = [];
    for (let i = 0; i < 3; i++) users.push(await s.addUser(['volunteer'], { phone: `+1555000600${i}` }));
    await s.putOnShift(users.map((u) => u.id));
    s.carrier.api.delayNext({ ms: 6000, method: 'POST', pathIncludes: '/Calls.json' });
    await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await ringingPhones(s, 2);
    const failed = await waitFor(
      async () => (await s.db.query(`select * from call_legs where status = 'failed'`)).length === 1,
      'the slow leg marked failed',
    );
    expect(failed).toBe(true);
    const live = await s.db.query(`select * from call_legs where status in ('queued', 'ringing')`);
    expect(live).toHaveLength(2);
  });

  it('lets a browser volunteer answer with the same compare-and-set; a second answer gets 409', async () => {
    const s = await start();
    const web = await s.addUser(['volunteer'], { preference: 'browser', name: 'Web' });
    const other = await s.addUser(['volunteer'], { preference: 'browser', name: 'Other' });
    await s.putOnShift([web.id, other.id]);
    const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    const call = await callRow(s);
    const active = await (await s.request('GET', '/api/calls/active', { as: web })).json();
    expect(active.ringing.map((c: { id: string }) => c.id)).toEqual([call.id]);
    expect(active.ringing[0].callerLast4).toMatch(/^\d{4}$/);

    const [r1, r2] = await Promise.all([
      s.request('POST', `/api/calls/${call.id}/answer`, { as: web }),
      s.request('POST', `/api/calls/${call.id}/answer`, { as: other }),
    ]);
    expect([r1.status, r2.status].sort()).toEqual([200, 409]);
    await s.settle();
    expect(caller.bridgedTo).toMatch(/^browser:/);
    const winner = r1.status === 200 ? web : other;
    const mine = await (await s.request('GET', '/api/calls/active', { as: winner })).json();
    expect(mine.mine.id).toBe(call.id);

    // The winner ends the call from the app.
    const hang = await s.request('POST', `/api/calls/${call.id}/hangup`, { as: winner });
    expect(hang.status).toBe(200);
    await s.settle();
    expect((await callRow(s)).status).toBe('completed');
    expect(caller.status).toBe('completed');
  });
});
