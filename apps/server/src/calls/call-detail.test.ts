import type { HubEventPayload } from '@llamenos/protocol';
import { CallDetailSchema } from '@llamenos/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type CallServer, fakeCaller, startCallServer, waitFor } from '../../test/calls-helpers.js';
import type { TestUser } from '../../test/helpers.js';

/**
 * One call's detail (`GET /api/calls/:id`) and the name in call:answered: an admin sees any
 * call, a volunteer only one they answered (live, from the call row; ended, from the audit log,
 * since the row forgot who answered when its metadata was sealed), and never a phone number.
 */

const servers: CallServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function answeredCall() {
  const s = await startCallServer();
  servers.push(s);
  const admin = await s.addUser(['admin'], { name: 'Ada' });
  let ana = await s.addUser(['volunteer'], { phone: '+15550001111', name: 'Ana' });
  let ben = await s.addUser(['volunteer'], { phone: '+15550002222', name: 'Ben' });
  await s.putOnShift([ana.id, ben.id]);
  const announced: HubEventPayload[] = [];
  s.ctx.events.on('call:announced', (p) => {
    announced.push(p);
  });
  const from = fakeCaller();
  await s.carrier.placeCall({ from, to: s.hotline });
  const phones = await waitFor(() => {
    const ringing = [...s.carrier.phones.values()].filter((p) => p.role === 'leg' && p.status === 'ringing');
    return ringing.length === 2 ? ringing : null;
  }, 'two phones ringing');
  const callId = (await s.db.query<{ id: string }>('select id from calls'))[0]!.id;
  const anaPhone = phones[0]!;
  await s.carrier.answer(anaPhone.sid);
  await s.settle();
  // Whoever's phone that was is "ana" from here on; the other was rung and did not answer.
  const [row] = await s.db.query<{ answered_by: string }>('select answered_by from calls where id = $1', [
    callId,
  ]);
  if (row?.answered_by !== ana.id) [ana, ben] = [ben, ana];
  return { s, admin, ana, ben, callId, from, anaPhone, announced };
}

const detail = async (s: CallServer, callId: string, as: TestUser) => {
  const res = await s.request('GET', `/api/calls/${callId}`, { as });
  return { status: res.status, text: await res.text() };
};

describe('GET /api/calls/:id', () => {
  it('names who answered in call:answered, for the others\' "Taken by" card', async () => {
    const { s, announced, ana } = await answeredCall();
    const event = announced.find((e) => e.type === 'call:answered');
    expect(event).toMatchObject({ type: 'call:answered', answeredBy: ana.pubkey });
    const [who] = await s.db.query<{ display_name: string }>('select display_name from users where id = $1', [
      ana.id,
    ]);
    expect(event?.type === 'call:answered' && event.answeredByName).toBe(who?.display_name);
  });

  it('shows the call to the admin and to the volunteer who answered, live and after it ended', async () => {
    const { s, admin, ana, ben, callId, from, anaPhone } = await answeredCall();

    const live = await detail(s, callId, admin);
    expect(live.status).toBe(200);
    const liveBody = CallDetailSchema.parse(JSON.parse(live.text));
    expect(liveBody.call.answeredBy).toBe(ana.id);
    expect(liveBody.call.callerLast4).toBe(from.slice(-4));
    expect(liveBody.talkSeconds).not.toBeNull();
    expect(live.text).not.toContain(from);
    expect(live.text).not.toContain(from.slice(1));

    const mine = await detail(s, callId, ana);
    expect(mine.status).toBe(200);
    expect(CallDetailSchema.parse(JSON.parse(mine.text))).toMatchObject({ answeredByMe: true, ringing: [] });
    // The volunteer who was rung but did not answer may not open it.
    const other = await detail(s, callId, ben);
    expect(other.status).toBe(403);
    expect(JSON.parse(other.text).error.message).toMatch(/only the calls you answered/);

    await s.carrier.hangUp(anaPhone.sid);
    await s.settle();
    // Ended and sealed: the row no longer names the volunteer, the audit entry still does.
    const [row] = await s.db.query<{ answered_by: string | null; meta_envelope: unknown }>(
      'select answered_by, meta_envelope from calls where id = $1',
      [callId],
    );
    expect(row?.answered_by).toBeNull();
    expect(row?.meta_envelope).not.toBeNull();

    const ended = CallDetailSchema.parse(JSON.parse((await detail(s, callId, ana)).text));
    expect(ended).toMatchObject({ answeredByMe: true, ringing: [] });
    expect(ended.call.status).toBe('completed');
    expect(ended.call.metaEnvelope ?? null).toBeNull();
    expect((await detail(s, callId, ben)).status).toBe(403);

    const forAdmin = CallDetailSchema.parse(JSON.parse((await detail(s, callId, admin)).text));
    expect(forAdmin.answeredByMe).toBe(false);
    expect(forAdmin.call.metaEnvelope).not.toBeNull();
    expect(forAdmin.talkSeconds).toBeGreaterThanOrEqual(0);
  });

  it('answers 404 for an unknown call and 400 for an id that is not one', async () => {
    const { s, admin } = await answeredCall();
    expect((await detail(s, crypto.randomUUID(), admin)).status).toBe(404);
    expect((await detail(s, 'not-a-call', admin)).status).toBe(400);
  });
});
