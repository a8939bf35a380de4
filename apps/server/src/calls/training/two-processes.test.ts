import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { type CallServer, startCallServer } from '../../../test/calls-helpers.js';
import { openTestDatabase, TEST_PG_URL } from '../../../test/helpers.js';
import { openPostgres } from '../../db/postgres.js';

/**
 * The training line on two server processes sharing one PostgreSQL (each with its own pool): the
 * trainer's requests go to one, the trainee's to the other, and each hears the other's offer,
 * answer, hold and hang-up, because the line is a row (training_lines), not one process's memory.
 * Runs only with LLAMENOS_TEST_DATABASE_URL (npm test's PostgreSQL pass).
 */
const sdp = (tag: string) =>
  `v=0\r\no=- ${tag} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n`;

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

describe.skipIf(!TEST_PG_URL)('the training line across two server processes', () => {
  it('signals between a trainer on one process and a trainee on the other', { timeout: 60_000 }, async () => {
    const { db, url, drop } = await openTestDatabase();
    const secondPool = await openPostgres(url!);
    const secret = randomBytes(32).toString('hex');
    const a: CallServer = await startCallServer({ db, serverSecret: secret });
    const b: CallServer = await startCallServer({ db: secondPool, serverSecret: secret });
    cleanup.push(
      drop,
      () => a.close(),
      () => b.close(),
    );
    const trainer = await a.addUser(['admin'], { name: 'Trainer' });
    const trainee = await a.addUser(['volunteer'], { preference: 'browser', name: 'Trainee' });

    const started = await a.request('POST', '/api/training-calls', {
      as: trainer,
      body: { traineeId: trainee.id },
    });
    expect(started.status).toBe(201);
    const { callId } = (await started.json()) as { callId: string };
    expect(
      (
        await a.request('POST', `/api/training-calls/${callId}/offer`, {
          as: trainer,
          body: { sdp: sdp('trainer') },
        })
      ).status,
    ).toBe(204);

    // The trainee, on the other process, answers and reads the trainer's offer.
    expect((await b.request('POST', `/api/calls/${callId}/answer`, { as: trainee })).status).toBe(200);
    const offer = await b.request('GET', `/api/calls/${callId}/webrtc/offer`, { as: trainee });
    expect(offer.status).toBe(200);
    expect(((await offer.json()) as { offer: string }).offer).toBe(sdp('trainer'));

    // The trainer's wait on the first process hears the answer given on the second.
    const waiting = a.request('GET', `/api/training-calls/${callId}/line?answered=false&held=false`, {
      as: trainer,
    });
    expect(
      (
        await b.request('POST', `/api/calls/${callId}/webrtc/answer`, {
          as: trainee,
          body: { sdp: sdp('trainee') },
        })
      ).status,
    ).toBe(204);
    expect(await (await waiting).json()).toEqual({ answer: sdp('trainee'), held: false, ended: null });

    // Hold on the second process, seen by the trainer on the first.
    expect(
      (await b.request('POST', `/api/calls/${callId}/hold`, { as: trainee, body: { onHold: true } })).status,
    ).toBe(200);
    expect(
      await (
        await a.request('GET', `/api/training-calls/${callId}/line?answered=true&held=false`, { as: trainer })
      ).json(),
    ).toMatchObject({ held: true });

    // The trainer hangs up through the second process; the line's row is gone.
    expect((await b.request('POST', `/api/training-calls/${callId}/hangup`, { as: trainer })).status).toBe(
      204,
    );
    expect(
      await (await a.request('GET', `/api/training-calls/${callId}/line`, { as: trainer })).json(),
    ).toMatchObject({
      ended: 'ended',
    });
    expect(await db.query('select * from training_lines where call_id = $1', [callId])).toEqual([]);
  });
});
