import { randomBytes, randomUUID } from 'node:crypto';
import { PURPOSES, sealForReaders, utf8 } from '@llamenos/crypto';
import { DEFAULT_SETTINGS, transcriptRecordId, VoicemailClaimResponse } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { saveSettings } from '../settings/store.js';
import { VOICEMAIL_CLAIM_MS } from './claim-service.js';

/**
 * Claims on automatic voicemail transcription (claim-service.ts) against a real app (PGlite, or
 * PostgreSQL with LLAMENOS_TEST_DATABASE_URL, where racing claims really run in parallel).
 */

let h: TestHotline;
let admin: TestUser;
let admin2: TestUser;
let admin3: TestUser;
let volunteer: TestUser;
const T0 = new Date('2026-03-02T10:00:00.000Z');

async function setTranscription(enabled: boolean) {
  const [row] = await h.ctx.db.query<{ version: number }>(
    'select version from hotline_settings where id = 1',
  );
  const settings = {
    ...DEFAULT_SETTINGS,
    transcription: { ...DEFAULT_SETTINGS.transcription, enabled, autoVoicemails: true },
  };
  expect(await saveSettings(h.ctx.db, settings, Number(row?.version ?? 0), null, h.ctx.now())).not.toBeNull();
}

/** A call as the calls module stores it, with a voicemail unless told otherwise. */
async function insertCall(withVoicemail = true): Promise<string> {
  const id = randomUUID();
  await h.ctx.db.query(
    `insert into calls (id, provider, provider_call_id, hotline_number, status, created_at, updated_at, ended_at)
     values ($1, 'simulator', $2, '+15550000000', $3, $4, $4, $4)`,
    [id, `CA${randomBytes(8).toString('hex')}`, withVoicemail ? 'voicemail' : 'completed', h.ctx.now()],
  );
  if (withVoicemail)
    await h.ctx.db.query(
      `insert into voicemails (call_id, content_type, duration, created_at, blob_id, size, wraps)
       values ($1, 'audio/mpeg', 7, $2, $3, 1000, '[]'::jsonb)`,
      [id, h.ctx.now(), randomBytes(16).toString('hex')],
    );
  return id;
}

const claim = (callId: string, as: TestUser) =>
  h.request('POST', '/api/transcription/claims', { as, body: { callId } });

async function claimOf(callId: string, as: TestUser) {
  const res = await claim(callId, as);
  expect(res.status, await res.clone().text()).toBe(200);
  return VoicemailClaimResponse.parse(await res.json()).claim;
}

/** Stores a voicemail transcript sealed for `as` and every admin, as the browser does. */
async function storeTranscript(callId: string, as: TestUser): Promise<Response> {
  const readers = (await (await h.request('GET', '/api/records/readers', { as })).json()).readers;
  const id = randomUUID();
  const envelope = sealForReaders(utf8(JSON.stringify({ v: 1, text: 'x' })), readers, {
    purpose: PURPOSES.transcript,
    recordId: transcriptRecordId(id),
  });
  return h.request('POST', `/api/calls/${callId}/transcripts`, {
    as,
    body: { id, source: 'voicemail', envelope },
  });
}

beforeAll(async () => {
  h = await createTestHotline();
  h.setNow(T0);
  admin = await h.addUser(['admin'], 'Admin');
  admin2 = await h.addUser(['admin'], 'Second admin');
  admin3 = await h.addUser(['admin'], 'Third admin');
  volunteer = await h.addUser(['volunteer'], 'Volunteer');
  await setTranscription(true);
});
afterAll(() => h.close());

describe('claiming a voicemail for automatic transcription', () => {
  it('goes to the first admin; another is told someone else is transcribing it, until the lease ends', async () => {
    h.setNow(T0);
    const callId = await insertCall();
    const expiresAt = new Date(T0.getTime() + VOICEMAIL_CLAIM_MS).toISOString();
    expect(await claimOf(callId, admin)).toEqual({ callId, claimed: true, reason: null, expiresAt });
    expect(await claimOf(callId, admin2)).toEqual({
      callId,
      claimed: false,
      reason: 'transcribing-elsewhere',
      expiresAt,
    });
    // The holder asking again (a reloaded page) renews the lease.
    h.setNow(new Date(T0.getTime() + 60_000));
    const renewed = new Date(T0.getTime() + 60_000 + VOICEMAIL_CLAIM_MS).toISOString();
    expect(await claimOf(callId, admin)).toMatchObject({ claimed: true, expiresAt: renewed });
    // Just before the end it still holds; at the end (a closed tab) another admin gets it.
    h.setNow(new Date(Date.parse(renewed) - 1));
    expect(await claimOf(callId, admin2)).toMatchObject({ claimed: false, reason: 'transcribing-elsewhere' });
    h.setNow(new Date(renewed));
    expect(await claimOf(callId, admin2)).toMatchObject({ claimed: true });
    expect(await claimOf(callId, admin)).toMatchObject({ claimed: false, reason: 'transcribing-elsewhere' });
  });

  it('of claims racing on the same voicemail, exactly one wins', async () => {
    h.setNow(T0);
    for (let round = 0; round < 3; round++) {
      const callId = await insertCall();
      const claims = await Promise.all(
        [admin, admin2, admin3, admin, admin2, admin3].map((as) => claimOf(callId, as)),
      );
      const [row, ...more] = await h.ctx.db.query<{ claimed_by: string }>(
        'select claimed_by from transcription_claims where call_id = $1',
        [callId],
      );
      expect(more).toEqual([]);
      // Every claim that won is the one admin in the row (the same admin asking twice renews).
      const holder = [admin, admin2, admin3].find((a) => a.id === row?.claimed_by);
      expect(holder).toBeDefined();
      claims.forEach((c, i) => {
        const as = [admin, admin2, admin3, admin, admin2, admin3][i];
        expect(c.claimed).toBe(as === holder);
      });
    }
  });

  it("ends when a voicemail transcript is stored; an admin's own Transcribe is never blocked by it", async () => {
    h.setNow(T0);
    const callId = await insertCall();
    expect(await claimOf(callId, admin)).toMatchObject({ claimed: true });
    // admin2 presses Transcribe while admin's browser holds the claim: stored all the same.
    const res = await storeTranscript(callId, admin2);
    expect(res.status, await res.clone().text()).toBe(201);
    expect(await h.ctx.db.query('select 1 from transcription_claims where call_id = $1', [callId])).toEqual(
      [],
    );
    expect(await claimOf(callId, admin)).toEqual({
      callId,
      claimed: false,
      reason: 'transcribed',
      expiresAt: null,
    });
    expect(await claimOf(callId, admin3)).toMatchObject({ claimed: false, reason: 'transcribed' });
  });

  it('is for those who open voicemails, on a call with a voicemail, while transcription is on', async () => {
    h.setNow(T0);
    const callId = await insertCall();
    expect((await claim(callId, volunteer)).status).toBe(403);
    expect((await claim(randomUUID(), admin)).status).toBe(404);
    const noVoicemail = await claim(await insertCall(false), admin);
    expect(noVoicemail.status).toBe(400);
    expect((await noVoicemail.json()).error.message).toMatch(/no voicemail/);
    for (const body of [{}, { callId: 'nope' }, { callId, extra: 1 }])
      expect((await h.request('POST', '/api/transcription/claims', { as: admin, body })).status).toBe(400);
    await setTranscription(false);
    try {
      expect((await claim(callId, admin)).status).toBe(403);
    } finally {
      await setTranscription(true);
    }
    expect(await h.ctx.db.query('select 1 from transcription_claims where call_id = $1', [callId])).toEqual(
      [],
    );
  });

  it('goes with its call: deleting the call record deletes the claim', async () => {
    const callId = await insertCall();
    expect(await claimOf(callId, admin)).toMatchObject({ claimed: true });
    await h.ctx.db.query('delete from voicemails where call_id = $1', [callId]);
    await h.ctx.db.query('delete from calls where id = $1', [callId]);
    expect(await h.ctx.db.query('select 1 from transcription_claims where call_id = $1', [callId])).toEqual(
      [],
    );
  });
});
