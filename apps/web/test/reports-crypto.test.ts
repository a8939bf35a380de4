/**
 * Reports and replies as the reports pages seal and open them (PROTOCOL.md §9.4): a report
 * opens for each of its readers and nobody else, only under its own record id; a reply cannot
 * pass for a report or for another reply; a grant re-wraps report and attachment keys each
 * under its own label, and refuses a record id that does not fit the purpose it is sent with.
 */
import {
  fromBase64url,
  generateSecretKey,
  getPublicKey,
  getPublicKeyBytes,
  PURPOSES,
  toBase64url,
  unwrapKey,
  wrapKey,
} from '@llamenos/crypto';
import { attachmentRecordId, type ReportPayload, reportRecordId } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import { rewrapReportItems } from '../src/lib/reports/grant.js';
import { openReply, openReport, sealReply, sealReport } from '../src/lib/reports/seal.js';
import type { Reader } from '../src/lib/sealed-records.js';

const member = () => {
  const secretKey = generateSecretKey();
  return { secretKey, publicKey: getPublicKeyBytes(secretKey), hex: getPublicKey(secretKey) };
};
const reporter = member();
const admin = member();
const stranger = member();
const ID = '0b5f8a8e-6c8b-4a57-9d2e-3f1c2b4a5d6e';
const OTHER_ID = '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
const asReader = (m: ReturnType<typeof member>): Reader => ({
  secretKey: m.secretKey,
  publicKey: m.publicKey,
});
const forReader = (
  sealed: { ciphertext: string; wraps: { reader: string; wrap: string }[] },
  m: ReturnType<typeof member>,
) => ({
  ciphertext: sealed.ciphertext,
  wrap: sealed.wraps.find((w) => w.reader === m.hex) ?? null,
});

const PAYLOAD: ReportPayload = {
  v: 1,
  title: 'Checkpoint on route 9',
  body: 'Three officers, asking for papers.',
  category: 'Police',
  fields: { people: 3, urgent: true, seen: ['cars', 'dogs'] },
  attachments: [{ id: OTHER_ID, name: 'photo.jpg', type: 'image/jpeg', size: 123_456 }],
};

describe('a report', () => {
  const sealed = sealReport(PAYLOAD, ID, [reporter.hex, admin.hex]);

  it('opens for the author and for the admin, with everything it held', () => {
    for (const m of [reporter, admin]) {
      const opened = openReport(asReader(m), m.hex, { id: ID, ...forReader(sealed, m) });
      expect(opened.status).toBe('ok');
      if (opened.status !== 'ok') throw new Error('not opened');
      expect(opened.value.title).toBe(PAYLOAD.title);
      expect(opened.value.fields).toEqual(PAYLOAD.fields);
      expect(opened.value.attachments).toEqual(PAYLOAD.attachments);
    }
  });

  it('holds no plaintext the server could read', () => {
    const wire = JSON.stringify(sealed);
    for (const secret of ['Checkpoint', 'officers', 'Police', 'photo.jpg', 'image/jpeg', '123456'])
      expect(wire).not.toContain(secret);
  });

  it('does not open for someone it was not sealed for, or without a wrap', () => {
    const stolen = {
      id: ID,
      ciphertext: sealed.ciphertext,
      wrap: { reader: stranger.hex, wrap: sealed.wraps[0]!.wrap },
    };
    expect(openReport(asReader(stranger), stranger.hex, stolen)).toEqual({
      status: 'failed',
      reason: 'decrypt',
    });
    expect(
      openReport(asReader(admin), admin.hex, { id: ID, ciphertext: sealed.ciphertext, wrap: null }),
    ).toEqual({
      status: 'failed',
      reason: 'no-wrap',
    });
  });

  it('is malformed (not shown) when it decrypts but is not a version-1 report', () => {
    const other = sealReport({ ...PAYLOAD, v: 2 } as unknown as ReportPayload, ID, [admin.hex]);
    expect(openReport(asReader(admin), admin.hex, { id: ID, ...forReader(other, admin) })).toEqual({
      status: 'failed',
      reason: 'malformed',
    });
  });

  it('does not open under another report id (moved between records)', () => {
    expect(openReport(asReader(admin), admin.hex, { id: OTHER_ID, ...forReader(sealed, admin) })).toEqual({
      status: 'failed',
      reason: 'decrypt',
    });
  });
});

describe('a reply', () => {
  const sealed = sealReply('We have sent someone.', ID, [reporter.hex, admin.hex]);

  it('opens for both sides of the thread', () => {
    expect(openReply(asReader(reporter), reporter.hex, { id: ID, ...forReader(sealed, reporter) })).toEqual({
      status: 'ok',
      value: 'We have sent someone.',
    });
  });

  it('cannot pass for a report with the same id, nor for another reply', () => {
    expect(openReport(asReader(admin), admin.hex, { id: ID, ...forReader(sealed, admin) }).status).toBe(
      'failed',
    );
    expect(openReply(asReader(admin), admin.hex, { id: OTHER_ID, ...forReader(sealed, admin) }).status).toBe(
      'failed',
    );
  });

  it('is refused when its payload is not a reply (malformed, not shown as text)', () => {
    const report = sealReport(PAYLOAD, ID, [admin.hex]);
    // Same labels, different record id prefix: a report's ciphertext never opens as a reply.
    expect(openReply(asReader(admin), admin.hex, { id: ID, ...forReader(report, admin) })).toEqual({
      status: 'failed',
      reason: 'decrypt',
    });
  });
});

describe('granting a new report admin', () => {
  const newcomer = member();
  const report = sealReport(PAYLOAD, ID, [reporter.hex, admin.hex]);
  const fileKey = new Uint8Array(32).fill(7);
  const fileCtx = { label: PURPOSES.attachment.wrap, recordId: attachmentRecordId(OTHER_ID) };
  const fileWrap = toBase64url(wrapKey(fileKey, admin.hex, fileCtx));

  it('re-wraps report and attachment keys, each under its own label, so the newcomer opens them', () => {
    const { wraps, failed } = rewrapReportItems(asReader(admin), newcomer.hex, [
      { recordId: reportRecordId(ID), purpose: 'report', wrap: forReader(report, admin).wrap!.wrap },
      { recordId: attachmentRecordId(OTHER_ID), purpose: 'attachment', wrap: fileWrap },
    ]);
    expect(failed).toBe(0);
    const opened = openReport(asReader(newcomer), newcomer.hex, {
      id: ID,
      ciphertext: report.ciphertext,
      wrap: { reader: newcomer.hex, wrap: wraps[0]!.wrap },
    });
    expect(opened.status).toBe('ok');
    const key = unwrapKey(fromBase64url(wraps[1]!.wrap, 'wrap'), newcomer.secretKey, fileCtx);
    expect([...key]).toEqual([...fileKey]);
  });

  it('skips a record id that does not fit its purpose, and a wrap that does not open', () => {
    const { wraps, failed } = rewrapReportItems(asReader(admin), newcomer.hex, [
      { recordId: reportRecordId(ID), purpose: 'attachment', wrap: forReader(report, admin).wrap!.wrap },
      { recordId: attachmentRecordId(OTHER_ID), purpose: 'report', wrap: fileWrap },
      { recordId: reportRecordId(OTHER_ID), purpose: 'report', wrap: forReader(report, admin).wrap!.wrap },
    ]);
    expect(wraps).toEqual([]);
    expect(failed).toBe(3);
  });
});
