import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import {
  createAuthHeader,
  encryptBuffer,
  fromBase64url,
  fromUtf8,
  openAsReader,
  PURPOSES,
  STREAM_HEADER_LENGTH,
  sealForReaders,
  toBase64url,
  unwrapKey,
  utf8,
  wrapKey,
} from '@llamenos/crypto';
import {
  attachmentRecordId,
  DEFAULT_REPORTS_SETTINGS,
  paddedLength,
  type ReportAttachmentMeta,
  type ReportDetail,
  type ReportPayload,
  type ReportReplyPayload,
  reportRecordId,
  reportReplyRecordId,
} from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallServer, startCallServer, waitFor } from './calls-helpers.js';
import type { TestUser } from './helpers.js';
import { recordRelayFrames, scanDatabase, scanDirectory, scanLines } from './leak-scan-helpers.js';

/**
 * Nothing of a report leaks (issue 11): a reporter files a report whose title, body, field
 * values and chosen category carry unique markers, with an attachment whose file name, MIME
 * type and bytes carry others, sealed and streamed through the real routes as the browser does;
 * an admin changes its status and replies with a marker; the reporter reads the reply. Then every
 * column of every table, every log line, every file under DATA_DIR and in the blob store (the
 * partial file mid-upload, and the finished blob), and every relay frame a member received are
 * searched for the markers, plain and encoded: zero hits. The category's name is an admin
 * setting (the list of categories is configuration), so only the settings row may hold it.
 * Runs on PGlite and PostgreSQL like leak-scan.test.ts.
 */

const TITLE = `title-leak-${randomUUID()}`;
const BODY = `body-leak-${randomUUID()}`;
const FIELD_TEXT = `field-leak-${randomUUID()}`;
const FIELD_LOCATION = `location-leak-${randomUUID()}`;
const FIELD_NUMBER = 70_000_000_000 + randomInt(1e9);
const CATEGORY = `category-leak-${randomUUID()}`;
const FILE_NAME = `file-name-leak-${randomUUID()}.jpg`;
const FILE_TYPE = `image/x-leak-${randomInt(1e9)}`;
const FILE_MARKER = `file-bytes-leak-${randomUUID()}`;
const REPLY = `reply-leak-${randomUUID()}`;
const NEEDLES = [
  TITLE,
  BODY,
  FIELD_TEXT,
  FIELD_LOCATION,
  String(FIELD_NUMBER),
  CATEGORY,
  FILE_NAME,
  FILE_TYPE,
  FILE_MARKER,
  REPLY,
];

const CHUNK_LOG2 = 16;
const TYPE_ID = 'field-incident';

let s: CallServer;
beforeAll(async () => {
  s = await startCallServer();
});
afterAll(() => s?.close());

/** A signed request with a raw byte body (an upload's chunk), as the browser sends it. */
async function putBytes(path: string, as: TestUser, body: Uint8Array): Promise<Response> {
  const authorization = createAuthHeader({ url: `${s.url}${path}`, method: 'PUT', body }, as.secretKey);
  return fetch(`${s.url}${path}`, {
    method: 'PUT',
    headers: { authorization, 'content-type': 'application/octet-stream' },
    body: new Uint8Array(body) as Uint8Array<ArrayBuffer>,
  });
}

async function json<T>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return (text ? JSON.parse(text) : null) as T;
}

/** A file of ~200 KB whose bytes repeat the marker, so a plaintext copy anywhere is found. */
function markedFile(): Uint8Array {
  const unit = utf8(`${FILE_MARKER}\n`);
  const file = new Uint8Array(200_000 + randomInt(1000));
  for (let at = 0; at < file.length; at += unit.length) file.set(unit.subarray(0, file.length - at), at);
  return file;
}

describe('no report content, reply, field value or attachment name or byte anywhere', () => {
  it('after a report with an attachment, a status change, a reply, and reading them back', async () => {
    const admin = await s.addUser(['admin']);
    const reporter = await s.addUser(['reporter']);
    await s.setSettings((settings) => ({
      ...settings,
      reports: {
        ...DEFAULT_REPORTS_SETTINGS,
        types: [
          {
            id: TYPE_ID,
            name: 'Field incident',
            fields: [
              { id: 'what', label: 'What happened', type: 'text', required: true, order: 0 },
              { id: 'where', label: 'Where', type: 'location', required: false, order: 1 },
              { id: 'people', label: 'People affected', type: 'number', required: false, order: 2 },
            ],
            categories: ['Access to services', CATEGORY],
            archived: false,
          },
        ],
      },
    }));
    const relay = await recordRelayFrames(`${s.url.replace(/^http/, 'ws')}/nostr`, admin.secretKey);
    let midUploadScan: Awaited<ReturnType<typeof scanDirectory>>;
    const file = markedFile();
    const reportId = randomUUID();
    const attachmentId = randomUUID();

    try {
      // The reporter seals the report for the readers the server names, and files it.
      const { readers } = await json<{ readers: string[] }>(
        await s.request('GET', '/api/reports/readers', { as: reporter }),
      );
      expect(readers.sort()).toEqual([admin.pubkey, reporter.pubkey].sort());
      const meta: ReportAttachmentMeta = {
        id: attachmentId,
        name: FILE_NAME,
        type: FILE_TYPE,
        size: file.length,
      };
      const payload: ReportPayload = {
        v: 1,
        title: TITLE,
        body: BODY,
        category: CATEGORY,
        fields: { what: FIELD_TEXT, where: FIELD_LOCATION, people: FIELD_NUMBER },
        attachments: [meta],
      };
      const envelope = sealForReaders(utf8(JSON.stringify(payload)), readers, {
        purpose: PURPOSES.report,
        recordId: reportRecordId(reportId),
      });
      await json(
        await s.request('POST', '/api/reports', {
          as: reporter,
          body: { id: reportId, typeId: TYPE_ID, envelope },
        }),
        201,
      );

      // The attachment: padded, sealed as a 64 KiB-chunk stream, its key wrapped for the readers.
      const padded = new Uint8Array(paddedLength(file.length));
      padded.set(file);
      const fileKey = randomBytes(32);
      const recordId = attachmentRecordId(attachmentId);
      const stream = encryptBuffer(
        fileKey,
        padded,
        { label: PURPOSES.attachment.content, recordId },
        CHUNK_LOG2,
      );
      const sealedChunk = 2 ** CHUNK_LOG2 + 16;
      const chunks: Uint8Array[] = [];
      for (let at = STREAM_HEADER_LENGTH; at < stream.length; at += sealedChunk)
        chunks.push(stream.subarray(at, at + sealedChunk));
      const { readers: fileReaders } = await json<{ readers: string[] }>(
        await s.request('GET', `/api/reports/${reportId}/readers`, { as: reporter }),
      );
      await json(
        await s.request('POST', `/api/reports/${reportId}/attachments`, {
          as: reporter,
          body: {
            id: attachmentId,
            header: toBase64url(stream.subarray(0, STREAM_HEADER_LENGTH)),
            chunkCount: chunks.length,
            wraps: fileReaders.map((reader) => ({
              reader,
              wrap: toBase64url(wrapKey(fileKey, reader, { label: PURPOSES.attachment.wrap, recordId })),
            })),
          },
        }),
        201,
      );
      expect(chunks.length).toBeGreaterThanOrEqual(3);
      for (const [index, chunk] of chunks.entries()) {
        const ack = await json<{ received: number; complete: boolean }>(
          await putBytes(`/api/attachments/${attachmentId}/chunks/${index}`, reporter, chunk),
        );
        expect(ack).toEqual({ received: index + 1, complete: index === chunks.length - 1 });
        // Half way, the partial file holds sealed chunks only.
        if (index === 1) midUploadScan = await scanDirectory(s.ctx.config.blobDir, NEEDLES);
      }

      // An admin moves it to review and replies; the reporter reads the reply.
      await json(
        await s.request('PATCH', `/api/reports/${reportId}`, { as: admin, body: { status: 'in-review' } }),
      );
      const { readers: replyReaders } = await json<{ readers: string[] }>(
        await s.request('GET', `/api/reports/${reportId}/readers`, { as: admin }),
      );
      const replyId = randomUUID();
      const reply: ReportReplyPayload = { v: 1, body: REPLY };
      await json(
        await s.request('POST', `/api/reports/${reportId}/replies`, {
          as: admin,
          body: {
            id: replyId,
            envelope: sealForReaders(utf8(JSON.stringify(reply)), replyReaders, {
              purpose: PURPOSES.report,
              recordId: reportReplyRecordId(replyId),
            }),
          },
        }),
        201,
      );
      const seen = await json<ReportDetail>(
        await s.request('GET', `/api/reports/${reportId}`, { as: reporter }),
      );
      const open = (x: { ciphertext: string; wrap: { reader: string; wrap: string } | null }, id: string) =>
        fromUtf8(
          openAsReader(
            { v: 1, ciphertext: x.ciphertext, wraps: x.wrap ? [x.wrap] : [] },
            reporter.secretKey,
            {
              purpose: PURPOSES.report,
              recordId: id,
            },
          ),
        );
      expect(JSON.parse(open(seen.report, reportRecordId(reportId))).title).toBe(TITLE);
      expect(JSON.parse(open(seen.replies[0]!, reportReplyRecordId(replyId))).body).toBe(REPLY);
      expect(seen.attachments).toMatchObject([{ id: attachmentId, state: 'complete' }]);

      // The admin downloads the file and it opens to the reporter's bytes.
      const detail = await json<ReportDetail>(
        await s.request('GET', `/api/reports/${reportId}`, { as: admin }),
      );
      const wrap = detail.attachments[0]!.wrap!;
      const key = unwrapKey(fromBase64url(wrap.wrap), admin.secretKey, {
        label: PURPOSES.attachment.wrap,
        recordId,
      });
      const content = await s.request('GET', `/api/attachments/${attachmentId}/content`, { as: admin });
      const downloaded = new Uint8Array(await content.arrayBuffer());
      expect(content.status).toBe(200);
      expect(Buffer.compare(downloaded, stream)).toBe(0);
      expect(key).toEqual(new Uint8Array(fileKey));

      // The relay carried this report's events, so scanning the frames means something.
      await waitFor(() => relay.frames.filter((f) => f.startsWith('["EVENT"')).length >= 2, 'hub events');
    } finally {
      relay.close();
    }

    const blobScan = await scanDirectory(s.ctx.config.blobDir, NEEDLES);
    expect(midUploadScan!.files).toBeGreaterThanOrEqual(1);
    expect(blobScan.files).toBeGreaterThanOrEqual(1);
    // The category's name is configuration (the admin's list of categories): only settings hold it.
    const configuration = (h: { where: string; needle: string }) =>
      h.needle === CATEGORY && h.where.startsWith('hotline_settings.');
    // Not in a file's name either (the blob store names files by random ids).
    const names = await readdir(s.ctx.config.blobDir, { recursive: true });
    expect(names.length).toBeGreaterThanOrEqual(1);
    const hits = [
      ...scanLines('file name in the blob store', names, NEEDLES),
      ...(await scanDatabase(s.db, NEEDLES)).filter((h) => !configuration(h)),
      ...scanLines('log', s.logs, NEEDLES),
      ...(await scanDirectory(s.ctx.config.DATA_DIR, NEEDLES)).hits,
      ...midUploadScan!.hits,
      ...blobScan.hits,
      ...scanLines('relay frame', relay.frames, NEEDLES),
    ];
    expect(hits).toEqual([]);
    expect(s.logs.length).toBeGreaterThan(0);
    // The scan looked where the report is: its row, its reply, its wraps and the attachment.
    expect((await s.db.query('select 1 from reports')).length).toBe(1);
    expect((await s.db.query('select 1 from report_replies')).length).toBe(1);
    expect((await s.db.query('select 1 from report_wraps')).length).toBeGreaterThanOrEqual(6);
  });
});
