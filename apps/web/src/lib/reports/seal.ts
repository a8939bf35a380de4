import { PURPOSES, type SealedEnvelope, sealForReaders, utf8 } from '@llamenos/crypto';
import {
  type ReportPayload,
  type ReportReplyPayload,
  reportRecordId,
  reportReplyRecordId,
} from '@llamenos/protocol';
import { openOwnWrap, type Reader } from '../sealed-records.js';
import { type LooseReport, looseReport, REPORT_PAYLOAD_VERSION, ReplyPayloadSchema } from './payload.js';

/**
 * Sealing and opening reports and their replies (docs/PROTOCOL.md §9.4): the payload is UTF-8
 * JSON under a fresh key, wrapped for every reader the server names (the author and every
 * current report admin). Plain functions of the keys, so they are tested in Node; the pages
 * seal on the UI thread (one small JSON) and open in the reports workers.
 */

/** Seals a report's content (`report:<id>`) for its readers. */
export function sealReport(
  payload: ReportPayload,
  reportId: string,
  readers: readonly string[],
): SealedEnvelope {
  return sealForReaders(utf8(JSON.stringify(payload)), readers, {
    purpose: PURPOSES.report,
    recordId: reportRecordId(reportId),
  });
}

/** Seals one reply (`report-reply:<id>`) for the report's readers. */
export function sealReply(body: string, replyId: string, readers: readonly string[]): SealedEnvelope {
  const payload: ReportReplyPayload = { v: REPORT_PAYLOAD_VERSION, body };
  return sealForReaders(utf8(JSON.stringify(payload)), readers, {
    purpose: PURPOSES.report,
    recordId: reportReplyRecordId(replyId),
  });
}

/**
 * The outcome of opening a report or a reply:
 * - ok: decrypted; a report's payload is read loosely (its type may have changed since, and
 *   the page checks it against the current form), a reply's strictly;
 * - failed: `no-wrap` (not shared with this key yet), `decrypt` (the wrap or ciphertext did not
 *   authenticate: altered, moved, or for someone else), `malformed` (decrypted, but not a payload).
 */
export type Opened<T> =
  | { status: 'ok'; value: T }
  | { status: 'failed'; reason: 'no-wrap' | 'decrypt' | 'malformed' };

/** A sealed record as the server sends it to a reader: ciphertext and the reader's own wrap. */
export interface SealedForReader {
  ciphertext: string;
  wrap: { reader: string; wrap: string } | null;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function openRecord<T>(
  reader: Reader,
  readerHex: string,
  recordId: string,
  sealed: SealedForReader,
  parse: (json: unknown) => T | null,
): Opened<T> {
  if (!sealed.wrap || sealed.wrap.reader !== readerHex) return { status: 'failed', reason: 'no-wrap' };
  const opened = openOwnWrap(
    reader,
    { labels: PURPOSES.report, recordId },
    { ciphertext: sealed.ciphertext, wrap: sealed.wrap.wrap },
    (plain): Opened<T> => {
      try {
        const value = parse(JSON.parse(decoder.decode(plain)));
        return value === null ? { status: 'failed', reason: 'malformed' } : { status: 'ok', value };
      } catch {
        return { status: 'failed', reason: 'malformed' };
      }
    },
  );
  return opened?.value ?? { status: 'failed', reason: 'decrypt' };
}

/** Opens a report's content with the reader's own wrap. */
export function openReport(
  reader: Reader,
  readerHex: string,
  report: SealedForReader & { id: string },
): Opened<LooseReport> {
  return openRecord(reader, readerHex, reportRecordId(report.id), report, (json) =>
    typeof json === 'object' && json !== null && (json as { v?: unknown }).v === REPORT_PAYLOAD_VERSION
      ? looseReport(json)
      : null,
  );
}

/** Opens a reply with the reader's own wrap; its text, or why it did not open. */
export function openReply(
  reader: Reader,
  readerHex: string,
  reply: SealedForReader & { id: string },
): Opened<string> {
  return openRecord(reader, readerHex, reportReplyRecordId(reply.id), reply, (json) => {
    const parsed = ReplyPayloadSchema.safeParse(json);
    return parsed.success ? parsed.data.body : null;
  });
}
