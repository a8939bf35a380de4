import { randomInt, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fromUtf8, openAsReader, PURPOSES, sealForReaders, utf8 } from '@llamenos/crypto';
import { type CallHistoryResponse, noteRecordId } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickCallTimers } from '../src/calls/index.js';
import { type CallServer, startCallServer, waitFor } from './calls-helpers.js';
import {
  encodedForms,
  recordRelayFrames,
  scanDatabase,
  scanDirectory,
  scanLines,
  scanText,
} from './leak-scan-helpers.js';
import { playVoicemail } from './voicemail-helpers.js';

/**
 * Nothing leaks: notes and a voicemail carrying unique markers, and calls from one distinctive
 * full number, then the whole database (every column of every table), every log line, every
 * file under DATA_DIR and in the attachment store (config.blobDir: the voicemail's file) and every relay frame a member
 * received are searched for the markers and the number (E.164, digits only, national digits),
 * in plain text and encoded: zero hits. Only the last four digits may appear. Runs on PGlite
 * and, in the test command's second pass, on PostgreSQL (LLAMENOS_TEST_DATABASE_URL).
 */

const NOTE_MARKER = `note-leak-${randomUUID()}`;
const VOICEMAIL_MARKER = `voicemail-leak-${randomUUID()}`;
// +1 555 9 and eight random digits: 14 digits, valid E.164, unlike anything else in the run.
const CALLER = `+15559${String(randomInt(1e8)).padStart(8, '0')}`;
const NEEDLES = [NOTE_MARKER, VOICEMAIL_MARKER, CALLER, CALLER.slice(1), CALLER.slice(2)];

let s: CallServer;
let dataDir: string;
beforeAll(async () => {
  s = await startCallServer();
  dataDir = s.ctx.config.DATA_DIR;
});
afterAll(() => s?.close());

describe('the leak scanner itself', () => {
  it('finds planted needles in a table (text, jsonb, bytea), a log line, a file and a frame', async () => {
    const planted = `planted-${randomUUID()}`;
    await s.db.exec('create table leak_scan_selftest (t text, j jsonb, b bytea, e text)');
    try {
      await s.db.query(
        `insert into leak_scan_selftest (t, j, b, e) values ($1, $2::jsonb, decode($3, 'hex'), $4)`,
        [
          `before ${planted} after`,
          JSON.stringify({ deep: [{ x: planted }] }),
          Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(planted)]).toString('hex'),
          Buffer.concat([Buffer.from('xy'), Buffer.from(planted)]).toString('base64'),
        ],
      );
      const hits = await scanDatabase(s.db, [planted]);
      expect(hits.map((h) => h.where).sort()).toEqual([
        'leak_scan_selftest.b',
        'leak_scan_selftest.e',
        'leak_scan_selftest.j',
        'leak_scan_selftest.t',
      ]);
    } finally {
      await s.db.exec('drop table leak_scan_selftest');
    }
    expect(scanLines('log', ['{"msg":"ok"}', `{"msg":"${planted}"}`], [planted])).toEqual([
      { where: 'log[1]', needle: planted },
    ]);
    expect(scanText('frame', `["EVENT","s",{"content":"${CALLER.slice(1)}"}]`, NEEDLES)).toHaveLength(2);
    // Base64 at every alignment, hex, and base64url are recognised.
    for (const prefix of ['', 'a', 'ab'])
      expect(scanText('b64', Buffer.from(prefix + planted).toString('base64url'), [planted])).toHaveLength(1);
    expect(encodedForms(planted)).toContain(Buffer.from(planted).toString('hex'));

    const dir = await mkdtemp(path.join(tmpdir(), 'leak-scan-'));
    try {
      await mkdir(path.join(dir, 'blobs', 'ab'), { recursive: true });
      await writeFile(path.join(dir, 'blobs', 'ab', 'one'), Buffer.from(`\u0000${planted}`));
      await writeFile(path.join(dir, 'clean'), 'nothing here');
      const found = await scanDirectory(dir, [planted]);
      expect(found.files).toBe(2);
      expect(found.hits).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('no plaintext and no full caller number anywhere', () => {
  it('after answered calls, a voicemail and notes', async () => {
    const admin = await s.addUser(['admin']);
    const alice = await s.addUser(['volunteer'], { phone: '+15550005551', preference: 'both' });
    const bob = await s.addUser(['volunteer'], { phone: '+15550005552' });
    await s.putOnShift([alice.id, bob.id]);
    const relay = await recordRelayFrames(`${s.url.replace(/^http/, 'ws')}/nostr`, alice.secretKey);

    try {
      // 1. Both volunteers ring; Bob answers on his phone; the caller hangs up.
      const answered = await s.carrier.placeCall({ from: CALLER, to: s.hotline });
      const bobPhone = await waitFor(
        () =>
          [...s.carrier.phones.values()].find(
            (p) => p.role === 'leg' && p.status === 'ringing' && p.toLast4 === '5552',
          ),
        "Bob's phone ringing",
      );
      await s.carrier.answer(bobPhone.sid);
      await s.settle();
      await s.carrier.hangUp(answered.sid);
      await s.settle();
      const [first] = await s.db.query<{ id: string; status: string }>(
        'select id, status from calls order by created_at limit 1',
      );
      expect(first!.status).toBe('completed');

      // 2. Nobody on shift: the call goes to voicemail, and the caller's words carry a marker.
      await s.db.query('delete from shift_assignments');
      const state = s.carrier.api.state;
      const addRecording = state.addRecording.bind(state);
      state.addRecording = (sid, bytes, ...rest) =>
        addRecording(sid, Buffer.concat([bytes, Buffer.from(VOICEMAIL_MARKER)]), ...rest);
      await s.carrier.placeCall({ from: CALLER, to: s.hotline });
      await s.settle();
      const [waiting] = await s.db.query<{ id: string; queue_deadline: string }>(
        `select id, queue_deadline from calls where status = 'ringing'`,
      );
      await tickCallTimers(s.ctx, new Date(new Date(waiting!.queue_deadline).getTime() + 1000));
      await s.settle();
      const { audio } = await playVoicemail(
        (method, path) => s.request(method, path, { as: admin }),
        waiting!.id,
        admin.secretKey,
      );
      expect(Buffer.from(audio).includes(Buffer.from(VOICEMAIL_MARKER))).toBe(true);

      // 3. Bob writes two notes on his call, sealed in the "browser" for the readers named.
      const readers = (await (await s.request('GET', '/api/records/readers', { as: bob })).json()).readers;
      for (const text of [`first ${NOTE_MARKER}`, `caller said ${CALLER}; ${NOTE_MARKER}`]) {
        const id = randomUUID();
        const envelope = sealForReaders(utf8(JSON.stringify({ text, fields: {} })), readers, {
          purpose: PURPOSES.note,
          recordId: noteRecordId(id, 1),
        });
        const res = await s.request('POST', '/api/notes', {
          as: bob,
          body: { id, callId: first!.id, envelope },
        });
        expect(res.status, await res.clone().text()).toBe(201);
      }

      // Both calls ended sealed: the admin reads who answered from the history.
      const history = (await (
        await s.request('GET', '/api/calls', { as: admin })
      ).json()) as CallHistoryResponse;
      const answeredView = history.calls.find((c) => c.id === first!.id)!;
      const meta = JSON.parse(
        fromUtf8(
          openAsReader(answeredView.metaEnvelope!, admin.secretKey, {
            purpose: PURPOSES.callMeta,
            recordId: `call-meta:${first!.id}`,
          }),
        ),
      );
      expect(meta.answeredBy.userId).toBe(bob.id);
      expect(history.calls.every((c) => c.metaEnvelope && c.callerLast4 === CALLER.slice(-4))).toBe(true);
      // The relay did carry this test's events (so scanning the frames means something).
      await waitFor(() => relay.frames.filter((f) => f.startsWith('["EVENT"')).length >= 3, 'hub events');
    } finally {
      relay.close();
    }

    // The voicemail's encrypted file landed in the attachment store, and it is scanned too.
    const blobScan = await scanDirectory(s.ctx.config.blobDir, NEEDLES);
    expect(blobScan.files).toBe(1);
    const hits = [
      ...(await scanDatabase(s.db, NEEDLES)),
      ...scanLines('log', s.logs, NEEDLES),
      ...(await scanDirectory(dataDir, NEEDLES)).hits,
      ...blobScan.hits,
      ...scanLines('relay frame', relay.frames, NEEDLES),
    ];
    expect(hits).toEqual([]);
    // The scans saw real material: the server's log lines, hub events, the sealed rows.
    expect(s.logs.length).toBeGreaterThan(0);
    expect((await s.db.query('select 1 from voicemails')).length).toBe(1);
    expect((await s.db.query('select 1 from note_versions')).length).toBe(2);
  });
});
