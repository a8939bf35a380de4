/**
 * The attachment upload vector (packages/crypto/test-vectors/v1.json, `reports.attachment`) and
 * this package's upload rules agree: its padding, chunk count and header are what a client made
 * by `paddedLength` and `streamChunkCount` sends (docs/PROTOCOL.md §10.2).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  attachmentRecordId,
  CreateAttachmentBody,
  paddedLength,
  reportRecordId,
  reportReplyRecordId,
  streamChunkCount,
  UPLOAD_CHUNK_LOG2_MAX,
  UPLOAD_CHUNK_LOG2_MIN,
} from '../src/reports.js';

const V = JSON.parse(readFileSync(new URL('../../crypto/test-vectors/v1.json', import.meta.url), 'utf8')) as {
  reports: {
    report: { recordId: string; plaintext: string };
    reply: { recordId: string };
    attachment: {
      recordId: string;
      file: { size: number };
      paddedLength: number;
      chunkLog2: number;
      chunkCount: number;
      headerBase64url: string;
      chunks: { sealedSha256Hex: string }[];
      wraps: { recipientPublicKeyHex: string; wrapBase64url: string }[];
    };
  };
};
const { report, reply, attachment } = V.reports;

describe('the attachment vector follows the upload rules of reports.ts', () => {
  it('pads and counts chunks as paddedLength and streamChunkCount do', () => {
    expect(paddedLength(attachment.file.size)).toBe(attachment.paddedLength);
    expect(streamChunkCount(attachment.paddedLength, attachment.chunkLog2)).toBe(attachment.chunkCount);
    expect(attachment.chunkLog2).toBeGreaterThanOrEqual(UPLOAD_CHUNK_LOG2_MIN);
    expect(attachment.chunkLog2).toBeLessThanOrEqual(UPLOAD_CHUNK_LOG2_MAX);
  });

  it('uses the record ids of reports.ts', () => {
    const meta = JSON.parse(report.plaintext).attachments[0];
    expect(attachment.recordId).toBe(attachmentRecordId(meta.id));
    expect(report.recordId).toBe(reportRecordId(report.recordId.slice('report:'.length)));
    expect(reply.recordId).toBe(reportReplyRecordId(reply.recordId.slice('report-reply:'.length)));
  });

  it('is an upload the create body accepts', () => {
    const body = CreateAttachmentBody.parse({
      id: attachment.recordId.slice('attachment:'.length),
      header: attachment.headerBase64url,
      chunkCount: attachment.chunkCount,
      firstChunkSha256: attachment.chunks[0]!.sealedSha256Hex,
      wraps: attachment.wraps.map((w) => ({ reader: w.recipientPublicKeyHex, wrap: w.wrapBase64url })),
    });
    expect(body.chunkCount).toBe(3);
    // The declaration of chunk 0 is the hash the server reports for it (§10.2).
    expect(body.firstChunkSha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
