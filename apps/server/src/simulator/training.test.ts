import { createAuthHeader } from '@llamenos/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallServer, startCallServer } from '../../test/calls-helpers.js';
import { createTestHotline, type TestUser } from '../../test/helpers.js';
import { runQueue } from '../calls/ringing.js';
import { callsPerBucket, volunteerActivity } from '../stats/store.js';

/**
 * The training line: a trainer (calls:train) starts a role-play call that rings only the
 * chosen trainee (never the queue, never a volunteer on shift), marked and audited, answered in
 * the browser like a real call, and left out of statistics.
 */
let s: CallServer;
let admin: TestUser;
let trainee: TestUser;
let onShift: TestUser;

beforeAll(async () => {
  s = await startCallServer();
  admin = await s.addUser(['admin'], { name: 'Trainer' });
  trainee = await s.addUser(['volunteer'], { preference: 'browser', name: 'Trainee' });
  onShift = await s.addUser(['volunteer'], { phone: '+15550005555', preference: 'both', name: 'On shift' });
  // Both on shift: without the queue's exclusion, the training call would spread to the other.
  await s.putOnShift([onShift.id, trainee.id]);
});
afterAll(async () => {
  await s?.close();
});

const legsOf = (callId: string) =>
  s.db.query<{ user_id: string; kind: string; status: string }>(
    'select user_id, kind, status from call_legs where call_id = $1',
    [callId],
  );

describe('a training call', () => {
  it('is refused without calls:train, for oneself, and for an unknown member', async () => {
    const body = { traineeId: trainee.id };
    expect((await s.request('POST', '/api/training-calls', { as: onShift, body })).status).toBe(403);
    const self = await s.request('POST', '/api/training-calls', { as: admin, body: { traineeId: admin.id } });
    expect(self.status).toBe(409);
    const unknown = await s.request('POST', '/api/training-calls', {
      as: admin,
      body: { traineeId: '5f0c7d1e-0000-4000-8000-000000000000' },
    });
    expect(unknown.status).toBe(404);
    const bad = await s.request('POST', '/api/training-calls', { as: admin, body: { traineeId: 'x' } });
    expect(bad.status).toBe(400);
  });

  it('rings only the trainee; answered in the browser; audited; not in statistics', async () => {
    const from = new Date(Date.now() - 60_000);
    const res = await s.request('POST', '/api/training-calls', {
      as: admin,
      body: { traineeId: trainee.id },
    });
    expect(res.status).toBe(201);
    const { callId, callerSid } = (await res.json()) as { callId: string; callerSid: string };
    await runQueue(s.ctx);
    await s.settle();

    const [call] = await s.db.query<{ training: boolean; status: string; provider_call_id: string }>(
      'select training, status, provider_call_id from calls where id = $1',
      [callId],
    );
    expect(call).toEqual({ training: true, status: 'ringing', provider_call_id: callerSid });
    // One leg, the trainee's browser; the volunteer on shift is not rung, by phone or browser.
    expect(await legsOf(callId)).toEqual([{ user_id: trainee.id, kind: 'browser', status: 'ringing' }]);
    expect([...s.carrier.phones.values()].filter((p) => p.role === 'leg')).toEqual([]);
    const audit = await s.db.query<{ details: Record<string, string> }>(
      `select details from audit_log where action = 'calls.training-started'`,
    );
    expect(audit.map((a) => a.details)).toEqual([{ callId, trainee: trainee.id, by: admin.id }]);

    // The on-shift volunteer sees nothing ringing for them; the trainee does.
    const activeFor = async (user: TestUser) =>
      (
        (await (await s.request('GET', '/api/calls/active', { as: user })).json()) as {
          ringing: { id: string; training?: true }[];
        }
      ).ringing;
    expect((await activeFor(onShift)).map((c) => c.id)).not.toContain(callId);
    // Marked for the trainee's card ("Training call").
    expect((await activeFor(trainee)).find((c) => c.id === callId)?.training).toBe(true);
    expect((await s.request('POST', `/api/calls/${callId}/answer`, { as: onShift })).status).toBe(403);
    // Not even a supervisor's (the trainer here, with calls:read-all) to see or take.
    expect((await activeFor(admin)).map((c) => c.id)).not.toContain(callId);
    expect((await s.request('POST', `/api/calls/${callId}/answer`, { as: admin })).status).toBe(403);
    // Nor a waiting caller on the admins' queue board, where it would take a real caller's position.
    const board = (await (await s.request('GET', '/api/calls/queue', { as: admin })).json()) as {
      waiting: { callId: string }[];
    };
    expect(board.waiting.map((c) => c.callId)).not.toContain(callId);

    const answer = await s.request('POST', `/api/calls/${callId}/answer`, { as: trainee });
    expect(answer.status).toBe(200);
    await s.settle();
    expect(s.carrier.phones.get(callerSid)!.bridgedTo).toBe(`browser:${trainee.id}`);

    const to = new Date(Date.now() + 60_000);
    const buckets = await callsPerBucket(s.db, [from, to]);
    expect(buckets.reduce((sum, b) => sum + b.total, 0)).toBe(0);
    expect((await volunteerActivity(s.db, from, to)).map((v) => v.userId)).not.toContain(trainee.id);

    // The trainer hangs up: the call ends as any call does.
    await s.carrier.hangUp(callerSid);
    await s.settle();
    const [ended] = await s.db.query<{ status: string }>('select status from calls where id = $1', [callId]);
    expect(ended!.status).toBe('completed');
  });
});

describe('a training call in production', () => {
  it('is refused with 409 (the simulated carrier is off there), writing nothing', async () => {
    const prod = await createTestHotline({
      LLAMENOS_ENV: 'production',
      PUBLIC_URL: 'https://hotline.example',
    });
    try {
      const trainer = await prod.addUser(['admin'], 'Trainer');
      const learner = await prod.addUser(['volunteer'], 'Learner');
      // Signed over the production hotline's own URL.
      const url = 'https://hotline.example/api/training-calls';
      const body = JSON.stringify({ traineeId: learner.id });
      const res = await prod.app.request(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: createAuthHeader({ url, method: 'POST', body }, trainer.secretKey),
        },
        body,
      });
      expect(res.status).toBe(409);
      expect(JSON.stringify(await res.json())).toMatch(/off on this server/);
      expect(await prod.ctx.db.query('select 1 from calls')).toEqual([]);
    } finally {
      await prod.close();
    }
  });
});
