import { DEFAULT_SETTINGS } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import type { ServerContext } from '../http/context.js';
import { parseTwiml } from '../simulator/twiml.js';
import { renderPlivoXml } from '../telephony/plivo/plivo-xml.js';
import { LAML } from '../telephony/signalwire/adapter.js';
import { renderMarkup, TWIML } from '../telephony/twilio/twiml.js';
import { buildNcco } from '../telephony/vonage/ncco.js';
import { callerDocument, HOLD_MUSIC_PLAYS, waitDocument } from './documents.js';
import { HOLD_MUSIC_SECONDS } from './hold-music/clip.js';
import type { CallRow } from './store.js';

/**
 * What a waiting caller hears, per provider: the wait document (the prompt, then the hotline's
 * hold music, then itself again) and the waiting room's music on hold, rendered as each
 * provider receives them. Nothing here reads the database: the documents are built from the
 * call row alone.
 */

const PUBLIC_URL = 'https://hotline.example';
const MUSIC = `${PUBLIC_URL}/api/telephony/hold-music.wav`;
const ctx = { config: { PUBLIC_URL } } as unknown as ServerContext;
const NOW = new Date('2026-01-01T12:00:00Z');

const callOn = (provider: string, changes: Partial<CallRow> = {}): CallRow => ({
  id: '0b9d3c1e-4f5a-4b6c-8d7e-9f0a1b2c3d4e',
  provider,
  providerCallId: 'CA1',
  hotlineNumber: '+15550001111',
  callerHash: null,
  callerLast4: null,
  status: 'queued',
  language: 'es',
  answeredBy: null,
  answeredLegId: null,
  answeredAt: null,
  endedAt: null,
  queueDeadline: new Date(NOW.getTime() + 60_000),
  captchaDigits: null,
  captchaInput: '',
  training: false,
  createdAt: NOW,
  ...changes,
});
const waitUrlOf = (call: CallRow) => `${PUBLIC_URL}/api/telephony/${call.provider}/wait?call=${call.id}`;

describe('the wait document', () => {
  it.each([
    ['twilio', TWIML],
    ['signalwire', LAML],
  ])(
    'on %s: the prompt in the caller language, the hold music three times, then itself again',
    async (provider, dialect) => {
      const call = callOn(provider);
      const verbs = parseTwiml(
        renderMarkup(dialect, await waitDocument(ctx, call, DEFAULT_SETTINGS, NOW)).body,
      );
      expect(verbs.map((v) => v.name)).toEqual(['Say', 'Play', 'Redirect']);
      expect(verbs[0]!.attributes.language).toBe('es-MX');
      expect(verbs[1]).toMatchObject({ text: MUSIC, attributes: { loop: String(HOLD_MUSIC_PLAYS) } });
      expect(verbs[2]).toMatchObject({ text: waitUrlOf(call), attributes: { method: 'POST' } });
    },
  );

  it('on Plivo (whose waitSound cannot redirect): the prompt, then the hold music looped for good', async () => {
    const verbs = parseTwiml(
      renderPlivoXml(await waitDocument(ctx, callOn('plivo'), DEFAULT_SETTINGS, NOW)).body,
    );
    expect(verbs.map((v) => v.name)).toEqual(['Speak', 'Play']);
    expect(verbs[1]).toMatchObject({ text: MUSIC, attributes: { loop: '0' } });
  });

  it("plays the admin's own hold music instead of the clip when they set one", async () => {
    const own = 'https://media.example.org/hold.mp3';
    const settings = { ...DEFAULT_SETTINGS, calls: { ...DEFAULT_SETTINGS.calls, holdMusicUrl: own } };
    const verbs = parseTwiml(
      renderMarkup(TWIML, await waitDocument(ctx, callOn('twilio'), settings, NOW)).body,
    );
    expect(verbs[1]).toMatchObject({ name: 'Play', text: own });
    const ncco = buildNcco(callerDocument(ctx, callOn('vonage'), settings));
    expect(ncco.at(-1)).toMatchObject({ musicOnHoldUrl: [own] });
  });

  it('plays music for about a minute between prompts, so the caller is neither left in doubt nor nagged', () => {
    expect(HOLD_MUSIC_PLAYS * HOLD_MUSIC_SECONDS).toBeGreaterThanOrEqual(45);
    expect(HOLD_MUSIC_PLAYS * HOLD_MUSIC_SECONDS).toBeLessThanOrEqual(120);
  });

  it('sends a caller past their time to voicemail and hangs up an ended call, with no music', async () => {
    const late = callOn('twilio', { queueDeadline: new Date(NOW.getTime() - 1) });
    expect(await waitDocument(ctx, late, DEFAULT_SETTINGS, NOW)).toEqual([
      { kind: 'redirect', url: `${PUBLIC_URL}/api/telephony/twilio/voicemail?call=${late.id}` },
    ]);
    expect(
      await waitDocument(ctx, callOn('twilio', { status: 'answered', endedAt: NOW }), DEFAULT_SETTINGS, NOW),
    ).toEqual([{ kind: 'hangup' }]);
  });
});

describe('the waiting room', () => {
  it("gives Vonage's queued caller the hold music as the conversation's music on hold", () => {
    const call = callOn('vonage');
    const ncco = buildNcco(callerDocument(ctx, call, DEFAULT_SETTINGS));
    expect(ncco.at(-1)).toEqual({
      action: 'conversation',
      name: `call-${call.id}`,
      startOnEnter: false,
      musicOnHoldUrl: [MUSIC],
    });
  });

  it.each(['twilio', 'signalwire', 'plivo', 'asterisk'])(
    'gives %s the wait document (or its own music on hold) and the clip for file players',
    (provider) => {
      const call = callOn(provider);
      expect(callerDocument(ctx, call, DEFAULT_SETTINGS).at(-1)).toEqual({
        kind: 'enqueue-caller',
        queue: `call-${call.id}`,
        waitUrl: waitUrlOf(call),
        holdAudioUrl: MUSIC,
      });
    },
  );
});
