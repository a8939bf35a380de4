/**
 * Messages as the inbox opens and re-wraps them (PROTOCOL.md §9.3): a reply sealed in the
 * browser opens for each of its readers and nobody else, only under its own record id; a
 * history re-wrapped for a new assignee opens for them; a re-wrap request can reach only the
 * two kinds of record a conversation holds, each under its own label.
 */
import {
  fromBase64url,
  generateSecretKey,
  getPublicKey,
  getPublicKeyBytes,
  PURPOSES,
  sealForReaders,
  toBase64url,
  unwrapKey,
  utf8,
  wrapKey,
} from '@llamenos/crypto';
import { messageMediaRecordId, messageRecordId } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import { contextOf, openMessage, type Reader, rewrapItems } from '../src/lib/conversations/crypto.js';
import { sealReply } from '../src/lib/conversations/replies.js';

const member = () => {
  const secretKey = generateSecretKey();
  return { secretKey, publicKey: getPublicKeyBytes(secretKey), hex: getPublicKey(secretKey) };
};
const volunteer = member();
const admin = member();
const newcomer = member();
const ID = '0b5f8a8e-6c8b-4a57-9d2e-3f1c2b4a5d6e';
const OTHER_ID = '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';

const wrapOf = (sealed: { wraps: { reader: string; wrap: string }[] }, reader: string) =>
  sealed.wraps.find((w) => w.reader === reader)?.wrap ?? '';
const asReader = (m: ReturnType<typeof member>): Reader => ({
  secretKey: m.secretKey,
  publicKey: m.publicKey,
});

describe('a reply sealed in the browser', () => {
  const sealed = sealReply(ID, 'We are here. مرحبا', [volunteer.hex, admin.hex]);
  const message = { id: ID, ciphertext: sealed.ciphertext, wrap: null };

  it('opens for each reader with their own wrap', () => {
    for (const m of [volunteer, admin])
      expect(openMessage(asReader(m), message, wrapOf(sealed, m.hex))).toEqual({
        id: ID,
        status: 'ok',
        body: 'We are here. مرحبا',
      });
  });

  it('opens for nobody else, and not as another message', () => {
    expect(openMessage(asReader(newcomer), message, wrapOf(sealed, admin.hex)).status).toBe('failed');
    expect(openMessage(asReader(admin), { ...message, id: OTHER_ID }, wrapOf(sealed, admin.hex))).toEqual({
      id: OTHER_ID,
      status: 'failed',
      reason: 'decrypt',
    });
  });

  it('a note sealed under the same id is not a message', () => {
    const note = sealForReaders(utf8('{"v":1,"body":"x"}'), [admin.hex], {
      purpose: PURPOSES.note,
      recordId: messageRecordId(ID),
    });
    expect(
      openMessage(asReader(admin), { ...message, ciphertext: note.ciphertext }, wrapOf(note, admin.hex)),
    ).toMatchObject({ status: 'failed', reason: 'decrypt' });
  });

  it('a payload that is not {v:1, body} is malformed', () => {
    const odd = sealForReaders(utf8('{"v":2,"text":"x"}'), [admin.hex], {
      purpose: PURPOSES.message,
      recordId: messageRecordId(ID),
    });
    expect(
      openMessage(asReader(admin), { ...message, ciphertext: odd.ciphertext }, wrapOf(odd, admin.hex)),
    ).toMatchObject({ status: 'failed', reason: 'malformed' });
  });
});

describe('history re-wrap for a new assignee', () => {
  it('the newcomer opens every message and attachment key the admin wrapped for them', () => {
    const sealed = sealReply(ID, 'first message', [volunteer.hex, admin.hex]);
    const fileKey = crypto.getRandomValues(new Uint8Array(32));
    const media = messageMediaRecordId(OTHER_ID);
    const mediaWrap = toBase64url(
      wrapKey(fileKey, admin.hex, { label: PURPOSES.attachment.wrap, recordId: media }),
    );
    const { wraps, failed } = rewrapItems(asReader(admin), newcomer.hex, [
      { recordId: messageRecordId(ID), purpose: 'message', wrap: wrapOf(sealed, admin.hex) },
      { recordId: media, purpose: 'attachment', wrap: mediaWrap },
    ]);
    expect(failed).toBe(0);
    expect(wraps.map((w) => w.recordId)).toEqual([messageRecordId(ID), media]);
    expect(
      openMessage(asReader(newcomer), { id: ID, ciphertext: sealed.ciphertext, wrap: null }, wraps[0]!.wrap),
    ).toMatchObject({ status: 'ok', body: 'first message' });
    const opened = unwrapKey(fromBase64url(wraps[1]!.wrap), newcomer.secretKey, {
      label: PURPOSES.attachment.wrap,
      recordId: media,
    });
    expect(opened).toEqual(fileKey);
  });

  it('counts what this key cannot unwrap instead of failing the batch', () => {
    const sealed = sealReply(ID, 'for the volunteer only', [volunteer.hex]);
    const { wraps, failed } = rewrapItems(asReader(admin), newcomer.hex, [
      { recordId: messageRecordId(ID), purpose: 'message', wrap: wrapOf(sealed, volunteer.hex) },
    ]);
    expect(wraps).toEqual([]);
    expect(failed).toBe(1);
  });

  it('reaches only message and attachment records, each under its own kind', () => {
    expect(contextOf({ recordId: messageRecordId(ID), purpose: 'message', wrap: '' })?.label).toBe(
      PURPOSES.message.wrap,
    );
    expect(contextOf({ recordId: messageMediaRecordId(ID), purpose: 'attachment', wrap: '' })?.label).toBe(
      PURPOSES.attachment.wrap,
    );
    expect(contextOf({ recordId: messageMediaRecordId(ID), purpose: 'message', wrap: '' })).toBeNull();
    expect(contextOf({ recordId: messageRecordId(ID), purpose: 'attachment', wrap: '' })).toBeNull();
    expect(contextOf({ recordId: `note:${ID}:v1`, purpose: 'message', wrap: '' })).toBeNull();
  });
});
