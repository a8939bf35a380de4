/**
 * A transcript is sealed like a note but under its own labels (PURPOSES.transcript, record id
 * "transcript:<id>", target.md lesson 9): every reader opens it, a note's labels or another
 * record id open nothing, and a reader without a wrap is told it was not shared with them.
 */
import { generateSecretKey, getPublicKey, openAsReader, PURPOSES, utf8 } from '@llamenos/crypto';
import { transcriptRecordId } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import type { EngineResult } from '../src/lib/transcription/protocol.js';
import { openTranscript, sealTranscript, transcriptPayload } from '../src/lib/transcription/transcripts.js';

const result: EngineResult = {
  engine: 'threaded',
  language: 'es',
  segments: [
    { start: 0.123, end: 1.456, text: 'hola, necesito ayuda' },
    { start: 1.5, end: 2, text: '' },
    { start: 2, end: 3.333, text: 'gracias' },
  ],
  audioSeconds: 3.4,
  threads: 2,
  multilingual: true,
  memoryBytes: 0,
  timings: { modelMs: 0, audioMs: 0, transcribeMs: 0, firstSegmentMs: 0 },
};
const model = 'ab'.repeat(32);

describe('transcript sealing', () => {
  const author = generateSecretKey();
  const admin = generateSecretKey();
  const volunteer = generateSecretKey();
  const id = '0a7c1e6e-5f9a-4d1e-8b7a-3c2d1e0f9a8b';
  const payload = transcriptPayload('voicemail', model, result);
  const envelope = sealTranscript(payload, id, [getPublicKey(author), getPublicKey(admin)]);
  const asReader = (key: Uint8Array) => {
    const wrap = envelope.wraps.find((w) => w.reader === getPublicKey(key)) ?? null;
    return openTranscript(
      {
        id,
        callId: '5e1f0c3a-9b8d-4c7e-a6f5-1d2c3b4a5e6f',
        source: 'voicemail',
        authorPubkey: getPublicKey(author),
        createdAt: new Date(0).toISOString(),
        ciphertext: envelope.ciphertext,
        wrap,
      },
      key,
    );
  };

  it('builds the payload from the segments with speech, times rounded to 10 ms', () => {
    expect(payload).toEqual({
      v: 1,
      source: 'voicemail',
      language: 'es',
      model,
      text: 'hola, necesito ayuda gracias',
      segments: [
        { start: 0.12, end: 1.46, text: 'hola, necesito ayuda' },
        { start: 2, end: 3.33, text: 'gracias' },
      ],
    });
  });

  it('opens for the author and for the admin, and for nobody else', () => {
    expect(asReader(author)).toEqual({ state: 'open', payload });
    expect(asReader(admin)).toEqual({ state: 'open', payload });
    expect(asReader(volunteer)).toEqual({ state: 'not-shared' });
    expect(JSON.stringify(envelope)).not.toContain('necesito');
  });

  it("uses the transcript labels and record id, never a note's", () => {
    const open = (purpose: (typeof PURPOSES)[keyof typeof PURPOSES], recordId: string) =>
      openAsReader(envelope, admin, { purpose, recordId });
    expect(new TextDecoder().decode(open(PURPOSES.transcript, transcriptRecordId(id)))).toBe(
      new TextDecoder().decode(utf8(JSON.stringify(payload))),
    );
    expect(() => open(PURPOSES.note, transcriptRecordId(id))).toThrow();
    expect(() =>
      open(PURPOSES.transcript, transcriptRecordId('0a7c1e6e-5f9a-4d1e-8b7a-3c2d1e0f9a8c')),
    ).toThrow();
  });

  it('names an altered transcript as failed', () => {
    const altered = { ...envelope, ciphertext: `${envelope.ciphertext.slice(0, -4)}AAAA` };
    const wrap = envelope.wraps.find((w) => w.reader === getPublicKey(admin)) ?? null;
    expect(
      openTranscript(
        {
          id,
          callId: id,
          source: 'voicemail',
          authorPubkey: '',
          createdAt: '',
          ciphertext: altered.ciphertext,
          wrap,
        },
        admin,
      ).state,
    ).toBe('failed');
  });
});
