import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { keepOpen, startCallServer, waitFor } from '../../test/calls-helpers.js';
import { openTestDatabase } from '../../test/helpers.js';
import {
  callerOnTheLine,
  TEST_TWILIO,
  twilioInbound,
  twilioWebhook,
  twimlAttribute,
  useTwilioNumber,
} from '../../test/twilio-webhooks.js';
import { openStoredVoicemail } from '../../test/voicemail-helpers.js';
import { FakeTwilioApi } from '../telephony/simulator/fake-twilio-api.js';
import { tickCallTimers } from './index.js';

/**
 * A server restarted while a call rings: the queue deadline is a row, so the new process's
 * tick fires it and the caller still reaches voicemail. Twilio is played by a fake API that
 * outlives both servers, as the real provider would.
 */
const NUMBER = '+15550177001';
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

/** Telephony overrides for the context builder: the twilio adapter talks to `fake`. */
const twilioAt = (fake: FakeTwilioApi) => ({ twilio: { apiBaseUrl: fake.baseUrl } });

describe('restart during a ringing call', () => {
  it('fires the voicemail deadline from the new process, which records and seals the message', async () => {
    const { db, drop } = await openTestDatabase();
    cleanup.push(async () => {
      await db.close();
      await drop();
    });
    const fake = await FakeTwilioApi.start(TEST_TWILIO);
    cleanup.push(() => fake.close());
    const secret = randomBytes(32).toString('hex');
    const first = await startCallServer({
      db: keepOpen(db),
      serverSecret: secret,
      telephony: twilioAt(fake),
    });
    await useTwilioNumber(first.ctx, NUMBER);
    const admin = await first.addUser(['admin']);
    const volunteer = await first.addUser(['volunteer'], { phone: '+15550177002' });
    await first.putOnShift([volunteer.id]);

    const caller = callerOnTheLine(fake, NUMBER, '+15550177999');
    const inbound = await twilioInbound(first.url, caller, NUMBER, { CallStatus: 'ringing' });
    expect(inbound.body).toContain('<Conference');
    const [leg] = await waitFor(async () => {
      const rows = await db.query(`select * from call_legs where provider_leg_id is not null`);
      return rows.length === 1 ? rows : null;
    }, 'the volunteer leg placed');
    expect(fake.call(leg!.provider_leg_id as string)?.status).toBe('queued');

    // The process stops while the phone rings.
    await first.close();
    const second = await startCallServer({
      db: keepOpen(db),
      serverSecret: secret,
      telephony: twilioAt(fake),
    });
    cleanup.push(() => second.close());
    const [call] = await db.query('select * from calls where provider_call_id = $1', [caller.sid]);
    expect(call!.status).toBe('ringing');

    const report = await tickCallTimers(
      second.ctx,
      new Date(new Date(call!.queue_deadline as string).getTime() + 1000),
    );
    expect(report.voicemail).toBe(1);
    expect(fake.call(leg!.provider_leg_id as string)?.status).toBe('canceled');
    const redirect = fake.call(caller.sid)!.redirects[0]!;
    expect(redirect).toBe(`${second.url}/api/telephony/twilio/voicemail?call=${call!.id}`);

    // Twilio follows the redirect, records, and calls back.
    const doc = await twilioWebhook(second.url, redirect, { CallSid: caller.sid, CallStatus: 'in-progress' });
    const statusUrl = twimlAttribute(doc.body, 'Record', 'recordingStatusCallback')!;
    const audio = new Uint8Array(randomBytes(2048));
    const recording = fake.addRecording(caller.sid, audio, 'audio/mpeg');
    const stored = await twilioWebhook(second.url, statusUrl, {
      CallSid: caller.sid,
      RecordingSid: recording.sid,
      RecordingStatus: 'completed',
      RecordingDuration: '7',
    });
    expect(stored.status).toBe(200);
    const [voicemail] = await db.query('select * from voicemails where call_id = $1', [call!.id]);
    const opened = await openStoredVoicemail(second.ctx, db, call!.id as string, admin);
    expect(Buffer.from(opened).equals(Buffer.from(audio))).toBe(true);
    expect(voicemail!.duration).toBe(7);
    expect(recording.deleted).toBe(true);
    // The caller hangs up after the message.
    await twilioWebhook(second.url, '/api/telephony/twilio/status', {
      CallSid: caller.sid,
      CallStatus: 'completed',
    });
    await second.settle();
    expect((await db.query('select status, ended_at from calls where id = $1', [call!.id]))[0]).toMatchObject(
      {
        status: 'voicemail',
      },
    );
  });

  it('retries a redirect that failed at the provider on a later tick', async () => {
    const fake = await FakeTwilioApi.start(TEST_TWILIO);
    cleanup.push(() => fake.close());
    const s = await startCallServer({ telephony: twilioAt(fake) });
    cleanup.push(() => s.close());
    await useTwilioNumber(s.ctx, NUMBER);
    const caller = callerOnTheLine(fake, NUMBER, '+15550177998');
    await twilioInbound(s.url, caller, NUMBER);
    await s.settle();
    const [call] = await s.db.query('select * from calls where provider_call_id = $1', [caller.sid]);
    const deadline = new Date(call!.queue_deadline as string).getTime();
    fake.failNext({ status: 503, method: 'POST', pathIncludes: caller.sid });
    expect((await tickCallTimers(s.ctx, new Date(deadline + 1000))).voicemail).toBe(1);
    expect(fake.call(caller.sid)!.redirects).toHaveLength(0);
    expect((await tickCallTimers(s.ctx, new Date(deadline + 3000))).redirectRetries).toBe(0); // not yet due
    expect((await tickCallTimers(s.ctx, new Date(deadline + 7000))).redirectRetries).toBe(1);
    expect(fake.call(caller.sid)!.redirects).toHaveLength(1);
  });
});
