import { randomUUID } from 'node:crypto';
import {
  CryptoError,
  fromUtf8,
  hashPhone,
  openAsReader,
  PURPOSES,
  type SealedEnvelope,
} from '@llamenos/crypto';
import type { CallHistoryResponse } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallServer, fakeCaller, startCallServer, waitFor } from '../../test/calls-helpers.js';
import type { TestUser } from '../../test/helpers.js';
import { type CallMeta, callMetaRecordId, sealCallMeta, sealUnsealedCalls } from './call-meta.js';

/**
 * Once a call ends, who answered, who was rung and the caller's hash leave the plaintext
 * columns and live only in an envelope sealed for calls:read-all holders.
 */

const open = (envelope: SealedEnvelope, user: TestUser, callId: string): CallMeta =>
  JSON.parse(
    fromUtf8(
      openAsReader(envelope, user.secretKey, {
        purpose: PURPOSES.callMeta,
        recordId: callMetaRecordId(callId),
      }),
    ),
  );

let s: CallServer;
let admin: TestUser;
let volunteer: TestUser;

beforeAll(async () => {
  s = await startCallServer();
  admin = await s.addUser(['admin']);
  volunteer = await s.addUser(['volunteer'], { phone: '+15550004444' });
  await s.putOnShift([volunteer.id]);
});
afterAll(() => s?.close());

async function history(as: TestUser, query = ''): Promise<CallHistoryResponse> {
  const res = await s.request('GET', `/api/calls${query}`, { as });
  expect(res.status).toBe(200);
  return res.json();
}

describe('sealed call metadata', () => {
  it('seals an answered call for admins and clears who answered, the legs and the caller hash', async () => {
    const caller = fakeCaller();
    const placed = await s.carrier.placeCall({ from: caller, to: s.hotline });
    const leg = await waitFor(
      () => [...s.carrier.phones.values()].find((p) => p.role === 'leg' && p.status === 'ringing'),
      'a ringing leg',
    );
    await s.carrier.answer(leg.sid);
    await s.settle();

    // Live: the router still has who answered in plaintext; the volunteer's view has no envelope.
    const [live] = await s.db.query(`select * from calls where status = 'answered'`);
    expect(live!.answered_by).toBe(volunteer.id);
    const callId = live!.id as string;
    const active = await (await s.request('GET', '/api/calls/active', { as: volunteer })).json();
    expect(active.mine.id).toBe(callId);
    expect(active.mine).not.toHaveProperty('metaEnvelope');

    await s.carrier.hangUp(placed.sid);
    await s.settle();
    const [row] = await s.db.query('select * from calls where id = $1', [callId]);
    expect(row).toMatchObject({
      status: 'completed',
      answered_by: null,
      answered_leg_id: null,
      caller_hash: null,
      caller_last4: caller.slice(-4),
    });
    expect(row!.answered_at).not.toBeNull();
    const legs = await s.db.query('select user_id, status from call_legs where call_id = $1', [callId]);
    expect(legs.length).toBeGreaterThan(0);
    expect(legs.every((l) => l.user_id === null)).toBe(true);

    // The admin opens it from the history.
    const { calls } = await history(admin, '?status=completed');
    const listed = calls.find((c) => c.id === callId)!;
    expect(listed.answeredBy).toBeNull();
    const meta = open(listed.metaEnvelope!, admin, callId);
    expect(meta).toEqual({
      v: 1,
      answeredBy: { userId: volunteer.id, pubkey: volunteer.pubkey },
      callerHash: hashPhone(s.ctx.keys.hashKey, caller),
      callerLast4: caller.slice(-4),
      // The caller hung up first: the router closed the answered leg too (canceled).
      legs: [{ userId: volunteer.id, kind: 'phone', status: 'canceled' }],
    });
    // Bound to its record id: presented as another call's metadata, it does not open.
    expect(() => open(listed.metaEnvelope!, admin, calls.find((c) => c.id !== callId)?.id ?? 'x')).toThrow(
      CryptoError,
    );
    // Sealed for admins only: the volunteer who took the call has no wrap, and no history.
    expect(() => open(listed.metaEnvelope!, volunteer, callId)).toThrow(CryptoError);
    expect((await s.request('GET', '/api/calls', { as: volunteer })).status).toBe(403);
    // Ending it again from the app is "already ended", not "not yours".
    expect((await s.request('POST', `/api/calls/${callId}/hangup`, { as: volunteer })).status).toBe(409);
  });

  it('keeps counts by outcome working and seals abandoned and rejected calls too', async () => {
    await s.db.query('delete from shift_assignments');
    const before = await history(admin, '?status=abandoned');
    const abandoned = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    await s.carrier.hangUp(abandoned.sid);
    await s.settle();
    expect((await history(admin, '?status=abandoned')).total).toBe(before.total + 1);

    // A banned caller is rejected before anything rings; that row is sealed as well.
    const banned = fakeCaller();
    const ban = await s.request('POST', '/api/bans', { as: admin, body: { numbers: [banned] } });
    expect(ban.status).toBe(201);
    await s.carrier.placeCall({ from: banned, to: s.hotline });
    await s.settle();
    const [rejected] = await s.db.query(`select * from calls where status = 'rejected'`);
    expect(rejected).toMatchObject({ caller_hash: null, caller_last4: banned.slice(-4) });
    const listed = (await history(admin, '?status=rejected')).calls[0]!;
    expect(open(listed.metaEnvelope!, admin, listed.id)).toMatchObject({
      answeredBy: null,
      callerHash: hashPhone(s.ctx.keys.hashKey, banned),
      legs: [],
    });
    // Every ended call is sealed; nothing ended keeps a plaintext hash or answerer.
    const leftovers = await s.db.query(
      `select id from calls where ended_at is not null and (meta_envelope is null or caller_hash is not null or answered_by is not null)`,
    );
    expect(leftovers).toEqual([]);
  });

  it('leaves the plaintext while nobody can read the seal, and the sweep seals it later', async () => {
    const [call] = await s.db.query<{ id: string }>(
      `insert into calls (id, provider, provider_call_id, hotline_number, caller_hash, caller_last4, status, answered_by,
          created_at, updated_at, ended_at)
       values (gen_random_uuid()::text, 'simulator', 'CA-sweep-test', $1, 'ab12', '9999', 'completed', $2, now(), now(),
          now() - interval '5 minutes') returning id`,
      [s.hotline, volunteer.id],
    );
    await s.db.query(`update users set active = false where id = $1`, [admin.id]);
    try {
      expect(await sealCallMeta(s.ctx, call!.id)).toBe('no-readers');
      const [kept] = await s.db.query('select caller_hash, answered_by from calls where id = $1', [call!.id]);
      expect(kept).toEqual({ caller_hash: 'ab12', answered_by: volunteer.id });
    } finally {
      await s.db.query(`update users set active = true where id = $1`, [admin.id]);
    }
    expect(await sealUnsealedCalls(s.ctx, new Date())).toBe(1);
    const [row] = await s.db.query('select * from calls where id = $1', [call!.id]);
    expect(row).toMatchObject({ caller_hash: null, answered_by: null });
    expect(open(row!.meta_envelope as SealedEnvelope, admin, call!.id).callerHash).toBe('ab12');
    // Sealing is once: a second attempt finds nothing to do.
    expect(await sealCallMeta(s.ctx, call!.id)).toBe('not-ended');
  });

  it('wraps for every active holder of calls:read-all, custom roles included, and for nobody else', async () => {
    const role = randomUUID();
    await s.db.query(
      `insert into custom_roles (id, name, description, permissions, created_at, updated_at)
       values ($1, 'Call auditor', '', $2::jsonb, now(), now())`,
      [role, JSON.stringify(['calls:read-all'])],
    );
    const auditor = await s.addUser([role]);
    const gone = await s.addUser(['admin']);
    await s.db.query('update users set active = false where id = $1', [gone.id]);
    const [call] = await s.db.query<{ id: string }>(
      `insert into calls (id, provider, provider_call_id, hotline_number, caller_hash, status, created_at, updated_at,
          ended_at)
       values (gen_random_uuid()::text, 'simulator', 'CA-readers-test', $1, 'cd34', 'completed', now(), now(), now())
       returning id`,
      [s.hotline],
    );
    expect(await sealCallMeta(s.ctx, call!.id)).toBe('sealed');
    const [row] = await s.db.query<{ meta_envelope: SealedEnvelope }>(
      'select meta_envelope from calls where id = $1',
      [call!.id],
    );
    const envelope = row!.meta_envelope;
    expect(envelope.wraps.map((w) => w.reader).sort()).toEqual([admin.pubkey, auditor.pubkey].sort());
    expect(open(envelope, auditor, call!.id).callerHash).toBe('cd34');
    expect(open(envelope, admin, call!.id).callerHash).toBe('cd34');
    expect(() => open(envelope, volunteer, call!.id)).toThrow(CryptoError);
    expect(() => open(envelope, gone, call!.id)).toThrow(CryptoError);
  });
});
