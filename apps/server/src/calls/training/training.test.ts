import { createAuthHeader } from '@llamenos/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallServer, fakeCaller, startCallServer } from '../../../test/calls-helpers.js';
import { createTestHotline, type TestHotline, type TestUser } from '../../../test/helpers.js';
import { callsPerBucket, volunteerActivity } from '../../stats/store.js';
import { runQueue } from '../ringing.js';
import { tickCallTimers } from '../timers.js';

/**
 * The training line: a trainer (calls:train) starts a role-play call that rings only the chosen
 * trainee (never the queue, never a volunteer on shift), marked and audited, answered in the
 * browser like a real call, left out of statistics, and hidden from supervisors. The trainer's
 * own browser is the caller (no carrier), so it runs in production: signalling passes between
 * the trainer and the trainee only, and a trainee who never answers is given up at the ring
 * time-out.
 */

const sdp = (tag: string) =>
  `v=0\r\no=- ${tag} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n`;

describe('a training call on a development server', () => {
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

  it('rings only the trainee; answered in the browser; audited; not in statistics; not supervised', async () => {
    const from = new Date(Date.now() - 60_000);
    const res = await s.request('POST', '/api/training-calls', {
      as: admin,
      body: { traineeId: trainee.id },
    });
    expect(res.status).toBe(201);
    const { callId, iceServers } = (await res.json()) as { callId: string; iceServers: unknown[] };
    expect(iceServers).toEqual([]);
    await runQueue(s.ctx);
    await s.settle();

    const [call] = await s.db.query<{
      training: boolean;
      status: string;
      provider: string;
      hotline_number: string;
    }>('select training, status, provider, hotline_number from calls where id = $1', [callId]);
    // No carrier and no number: the trainer's browser is the caller.
    expect(call).toEqual({ training: true, status: 'ringing', provider: 'training', hotline_number: '' });
    expect(await legsOf(callId)).toEqual([{ user_id: trainee.id, kind: 'browser', status: 'ringing' }]);
    expect([...s.carrier.phones.values()]).toEqual([]);
    const audit = await s.db.query<{ details: Record<string, string> }>(
      `select details from audit_log where action = 'calls.training-started'`,
    );
    expect(audit.map((a) => a.details)).toEqual([{ callId, trainee: trainee.id, by: admin.id }]);

    const activeFor = async (user: TestUser) =>
      (
        (await (await s.request('GET', '/api/calls/active', { as: user })).json()) as {
          ringing: { id: string; training?: true }[];
        }
      ).ringing;
    expect((await activeFor(onShift)).map((c) => c.id)).not.toContain(callId);
    expect((await activeFor(trainee)).find((c) => c.id === callId)?.training).toBe(true);
    expect((await s.request('POST', `/api/calls/${callId}/answer`, { as: onShift })).status).toBe(403);
    expect((await activeFor(admin)).map((c) => c.id)).not.toContain(callId);
    expect((await s.request('POST', `/api/calls/${callId}/answer`, { as: admin })).status).toBe(403);
    const board = (await (await s.request('GET', '/api/calls/queue', { as: admin })).json()) as {
      waiting: { callId: string }[];
    };
    expect(board.waiting.map((c) => c.callId)).not.toContain(callId);

    expect(
      (
        await s.request('POST', `/api/training-calls/${callId}/offer`, {
          as: admin,
          body: { sdp: sdp('trainer') },
        })
      ).status,
    ).toBe(204);
    expect((await s.request('POST', `/api/calls/${callId}/answer`, { as: trainee })).status).toBe(200);
    await s.settle();
    const offer = await (await s.request('GET', `/api/calls/${callId}/webrtc/offer`, { as: trainee })).json();
    expect(offer).toEqual({ offer: sdp('trainer'), iceServers: [] });

    // Silent supervision never lists nor joins a training call, even with supervision on.
    await s.setSettings((st) => ({ ...st, calls: { ...st.calls, silentSupervision: true } }));
    const live = (await (await s.request('GET', '/api/calls/supervision/live', { as: admin })).json()) as {
      enabled: boolean;
      calls: { callId: string }[];
    };
    expect(live.enabled).toBe(true);
    expect(live.calls.map((c) => c.callId)).not.toContain(callId);
    const listen = await s.request('POST', `/api/calls/${callId}/supervision`, {
      as: admin,
      body: { sdp: sdp('supervisor') },
    });
    expect(listen.status).toBe(409);

    const to = new Date(Date.now() + 60_000);
    const buckets = await callsPerBucket(s.db, [from, to]);
    expect(buckets.reduce((sum, b) => sum + b.total, 0)).toBe(0);
    expect((await volunteerActivity(s.db, from, to)).map((v) => v.userId)).not.toContain(trainee.id);

    // The trainer hangs up: the call ends as any call does, audited as such.
    expect((await s.request('POST', `/api/training-calls/${callId}/hangup`, { as: admin })).status).toBe(204);
    await s.settle();
    const [ended] = await s.db.query<{ status: string }>('select status from calls where id = $1', [callId]);
    expect(ended!.status).toBe('completed');
    const endAudit = await s.db.query<{ details: Record<string, string> }>(
      `select details from audit_log where action = 'calls.ended' and target = $1`,
      [`call:${callId}`],
    );
    expect(endAudit.map((a) => a.details.reason)).toEqual(['trainer-hangup']);
    // No provider was asked to hang a caller up (there is none).
    expect(s.logs.join('')).not.toMatch(/caller not hung up/);
  });
});

/**
 * Production: the simulated carrier is off, and the training line still runs. Requests are
 * signed over the production hotline's own URL.
 */
describe('a trainer on shift during a training call', () => {
  let s: CallServer;
  afterAll(async () => {
    await s?.close();
  });

  it('is not rung for a real call until the training call ends', async () => {
    s = await startCallServer();
    const trainer = await s.addUser(['admin', 'volunteer'], { phone: '+15550006661', preference: 'phone' });
    const trainee = await s.addUser(['volunteer'], { preference: 'browser' });
    const colleague = await s.addUser(['volunteer'], { phone: '+15550006662', preference: 'phone' });
    await s.putOnShift([trainer.id, colleague.id]);
    const res = await s.request('POST', '/api/training-calls', {
      as: trainer,
      body: { traineeId: trainee.id },
    });
    expect(res.status).toBe(201);
    const { callId: training } = (await res.json()) as { callId: string };

    const rungFor = async (callId: string) =>
      (
        await s.db.query<{ user_id: string }>(
          `select user_id from call_legs where call_id = $1 and status in ('pending', 'queued', 'ringing') order by user_id`,
          [callId],
        )
      ).map((r) => r.user_id);
    const callIdOf = async (sid: string) =>
      (await s.db.query<{ id: string }>('select id from calls where provider_call_id = $1', [sid]))[0]!.id;

    const first = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    expect(await rungFor(await callIdOf(first.sid))).toEqual([colleague.id]);

    expect((await s.request('POST', `/api/training-calls/${training}/hangup`, { as: trainer })).status).toBe(
      204,
    );
    await runQueue(s.ctx);
    await s.settle();
    // Free again: the trainer is offered the waiting caller.
    expect(await rungFor(await callIdOf(first.sid))).toEqual([colleague.id, trainer.id].sort());
    // Once ended and sealed, the row no longer says who trained whom (the audit log does, for admins).
    const [ended] = await s.db.query<{ trainer_id: string | null; sealed: boolean }>(
      'select trainer_id, meta_envelope is not null as sealed from calls where id = $1',
      [training],
    );
    expect(ended).toEqual({ trainer_id: null, sealed: true });
  });
});

describe('a training call in production', () => {
  const PROD_URL = 'https://hotline.example';
  let prod: TestHotline;
  let trainer: TestUser;
  let otherTrainer: TestUser;
  let learner: TestUser;
  let bystander: TestUser;
  let onShift: TestUser;

  const call = async (as: TestUser, method: string, path: string, body?: unknown) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const url = `${PROD_URL}${path}`;
    return prod.app.request(url, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        authorization: createAuthHeader(
          { url, method, body: text },
          as.secretKey,
          Math.floor(prod.ctx.now().getTime() / 1000),
        ),
      },
      ...(body === undefined ? {} : { body: text }),
    });
  };
  const start = async () => {
    const res = await call(trainer, 'POST', '/api/training-calls', { traineeId: learner.id });
    expect(res.status).toBe(201);
    return ((await res.json()) as { callId: string }).callId;
  };
  const line = async (as: TestUser, callId: string, query = '') =>
    call(as, 'GET', `/api/training-calls/${callId}/line${query}`);

  beforeAll(async () => {
    prod = await createTestHotline({ LLAMENOS_ENV: 'production', PUBLIC_URL: PROD_URL });
    trainer = await prod.addUser(['admin'], 'Trainer');
    otherTrainer = await prod.addUser(['admin'], 'Other trainer');
    learner = await prod.addUser(['volunteer'], 'Learner');
    bystander = await prod.addUser(['volunteer'], 'Bystander');
    onShift = await prod.addUser(['volunteer'], 'On shift');
  });
  afterAll(async () => {
    await prod?.close();
  });

  it('starts, rings only the trainee, and signals between the trainer and the trainee only', async () => {
    const callId = await start();
    const legs = await prod.ctx.db.query<{ user_id: string }>(
      'select user_id from call_legs where call_id = $1',
      [callId],
    );
    expect(legs.map((l) => l.user_id)).toEqual([learner.id]);

    // The trainer's offer: theirs only (another trainer 403, a volunteer without calls:train 403).
    const offerPath = `/api/training-calls/${callId}/offer`;
    expect((await call(bystander, 'POST', offerPath, { sdp: sdp('x') })).status).toBe(403);
    expect((await call(otherTrainer, 'POST', offerPath, { sdp: sdp('x') })).status).toBe(403);
    expect((await call(trainer, 'POST', offerPath, { sdp: 'hello' })).status).toBe(400);
    expect((await call(trainer, 'POST', offerPath, { sdp: sdp('trainer') })).status).toBe(204);
    expect((await call(trainer, 'POST', offerPath, { sdp: sdp('again') })).status).toBe(409);
    expect((await line(otherTrainer, callId)).status).toBe(403);
    expect((await call(otherTrainer, 'POST', `/api/training-calls/${callId}/hangup`)).status).toBe(403);
    expect((await line(trainer, '5f0c7d1e-0000-4000-8000-000000000000')).status).toBe(404);

    // Nobody but the trainee answers or reads the offer.
    expect((await call(onShift, 'POST', `/api/calls/${callId}/answer`)).status).toBe(403);
    expect((await call(trainer, 'POST', `/api/calls/${callId}/answer`)).status).toBe(403);
    expect((await call(bystander, 'GET', `/api/calls/${callId}/webrtc/offer`)).status).toBe(409);
    expect((await call(learner, 'POST', `/api/calls/${callId}/answer`)).status).toBe(200);
    expect((await call(bystander, 'GET', `/api/calls/${callId}/webrtc/offer`)).status).toBe(403);
    expect((await call(trainer, 'GET', `/api/calls/${callId}/webrtc/offer`)).status).toBe(403);
    expect(
      (await call(bystander, 'POST', `/api/calls/${callId}/webrtc/answer`, { sdp: sdp('b') })).status,
    ).toBe(403);
    const offer = await (await call(learner, 'GET', `/api/calls/${callId}/webrtc/offer`)).json();
    expect(offer).toEqual({ offer: sdp('trainer'), iceServers: [] });

    // The trainer's page waits; the trainee's answer wakes it.
    const waiting = line(trainer, callId, '?answered=false&held=false');
    expect(
      (await call(learner, 'POST', `/api/calls/${callId}/webrtc/answer`, { sdp: sdp('trainee') })).status,
    ).toBe(204);
    expect(await (await waiting).json()).toEqual({ answer: sdp('trainee'), held: false, ended: null });
    expect(
      (await call(learner, 'POST', `/api/calls/${callId}/webrtc/answer`, { sdp: sdp('again') })).status,
    ).toBe(409);

    // The trainee holds: the trainer's page hears of it (and stops its microphone).
    expect((await call(learner, 'POST', `/api/calls/${callId}/hold`, { onHold: true })).status).toBe(200);
    expect(await (await line(trainer, callId, '?answered=true&held=false')).json()).toMatchObject({
      held: true,
    });
    expect((await call(learner, 'POST', `/api/calls/${callId}/hold`, { onHold: false })).status).toBe(200);
    // A role-play is not transferred.
    expect((await call(learner, 'POST', `/api/calls/${callId}/transfer`, { to: bystander.id })).status).toBe(
      400,
    );

    // The trainee hangs up: the trainer's page reads "ended".
    expect((await call(learner, 'POST', `/api/calls/${callId}/hangup`)).status).toBe(200);
    expect(await (await line(trainer, callId, '?answered=true')).json()).toEqual({
      answer: null,
      held: false,
      ended: 'ended',
    });
    const [row] = await prod.ctx.db.query<{ status: string }>('select status from calls where id = $1', [
      callId,
    ]);
    expect(row!.status).toBe('completed');
    // Ended: nothing of its signalling is kept.
    expect(await prod.ctx.db.query('select * from training_lines where call_id = $1', [callId])).toEqual([]);
  });

  it('ends unanswered at the ring time-out (the queue time-out, 90 s by default), and tells the trainer', async () => {
    const t0 = new Date('2026-12-05T10:00:00Z');
    prod.setNow(t0);
    try {
      const callId = await start();
      const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
      expect((await tickCallTimers(prod.ctx, at(89))).trainingUnanswered).toBe(0);
      const [ringing] = await prod.ctx.db.query<{ status: string }>(
        'select status from calls where id = $1',
        [callId],
      );
      expect(ringing!.status).toBe('ringing');

      expect((await tickCallTimers(prod.ctx, at(90))).trainingUnanswered).toBe(1);
      const [ended] = await prod.ctx.db.query<{ status: string }>('select status from calls where id = $1', [
        callId,
      ]);
      expect(ended!.status).toBe('abandoned');
      const audit = await prod.ctx.db.query<{ details: Record<string, string> }>(
        `select details from audit_log where action = 'calls.ended' and target = $1`,
        [`call:${callId}`],
      );
      expect(audit.map((a) => a.details.reason)).toEqual(['training-unanswered']);
      expect(await (await line(trainer, callId)).json()).toEqual({
        answer: null,
        held: false,
        ended: 'no-answer',
      });
      // Its leg is closed: the call rings for nobody now.
      expect((await call(learner, 'POST', `/api/calls/${callId}/answer`)).status).toBe(403);
      // Once, and not again.
      expect((await tickCallTimers(prod.ctx, at(200))).trainingUnanswered).toBe(0);
    } finally {
      prod.setNow(null as unknown as Date);
    }
  });

  it('the trainer may give up while it rings', async () => {
    const callId = await start();
    expect((await call(trainer, 'POST', `/api/training-calls/${callId}/hangup`)).status).toBe(204);
    expect(await (await line(trainer, callId)).json()).toEqual({
      answer: null,
      held: false,
      ended: 'no-answer',
    });
    expect((await call(trainer, 'POST', `/api/training-calls/${callId}/hangup`)).status).toBe(409);
  });
});
