import { z } from 'zod';
import { IsoTime, NewestFirstCursor, Pubkey, Uuid, WrapText, withChoiceRules } from './primitives.js';
import { NoteEnvelope } from './records.js';
import { textBlock, textLine } from './text.js';

/**
 * Reports (the seed's RecordsDO "encrypted reports and file attachment metadata"): filed by
 * reporters (and volunteers or admins), read by their author and every holder of
 * reports:read-all. Everything a person wrote is sealed in the browser; the server sees only
 * ids, the author, the report type id, status, assignee and times (docs/PROTOCOL.md §9.4, §10.2).
 *
 * Record ids (bound into every ciphertext and wrap):
 *   report content   `report:<reportId>`        purpose `report`
 *   a reply          `report-reply:<replyId>`   purpose `report`
 *   an attachment    `attachment:<attachmentId>` purpose `attachment` (stream, §10)
 * Readers of each: the report's author and every current report admin, exactly (the server
 * refuses a reader missing or extra, as for notes).
 */

export const reportRecordId = (reportId: string): string => `report:${reportId}`;
export const reportReplyRecordId = (replyId: string): string => `report-reply:${replyId}`;
export const attachmentRecordId = (attachmentId: string): string => `attachment:${attachmentId}`;

/** settings.ts imports this file, so the language code pattern is repeated, not imported. */
const LanguageCode = z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'a language code such as "en" or "es"');

// ---------------------------------------------------------------------------------------------
// Report types (an admin setting, `settings.reports`)

export const REPORT_FIELD_TYPES = [
  'text',
  'longText',
  'number',
  'datetime',
  'choice',
  'multiChoice',
  'yesNo',
  'location',
] as const;
export const ReportFieldType = z.enum(REPORT_FIELD_TYPES);
export type ReportFieldType = z.infer<typeof ReportFieldType>;

/** Translations of a label, by language code; the plain `label` is used where one is missing. */
const Translations = z.record(LanguageCode, textLine(80)).optional();

const FieldId = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'lowercase letters, digits and _, starting with a letter');
export const ReportTypeId = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'lowercase letters, digits, _ and -, starting with a letter');

export const ReportFieldDefinition = withChoiceRules(
  z
    .object({
      /** Values are stored under this id inside the sealed report, so it is never reused for another meaning. */
      id: FieldId,
      label: textLine(80),
      labels: Translations,
      type: ReportFieldType,
      required: z.boolean().default(false),
      /** Choices of a `choice` or `multiChoice` field (and only of those). */
      options: z.array(textLine(80)).max(50).optional(),
      order: z.number().int().min(0).max(1000),
    })
    .strict(),
  (type) => type === 'choice' || type === 'multiChoice',
  'choice fields need options; other types must not have them',
);
export type ReportFieldDefinition = z.infer<typeof ReportFieldDefinition>;

export const ReportType = z
  .object({
    id: ReportTypeId,
    name: textLine(80),
    names: Translations,
    description: textBlock(500).optional(),
    fields: z.array(ReportFieldDefinition).max(50),
    categories: z.array(textLine(80)).max(50).default([]),
    /** An archived type takes no new reports; reports already filed under it stay readable. */
    archived: z.boolean().default(false),
  })
  .strict()
  .superRefine((t, ctx) => {
    const ids = new Set<string>();
    const orders = new Set<number>();
    t.fields.forEach((f, i) => {
      if (ids.has(f.id))
        ctx.addIssue({
          code: 'custom',
          path: ['fields', i, 'id'],
          message: `field id "${f.id}" is used twice`,
        });
      if (orders.has(f.order))
        ctx.addIssue({
          code: 'custom',
          path: ['fields', i, 'order'],
          message: `field order ${f.order} is used twice`,
        });
      ids.add(f.id);
      orders.add(f.order);
    });
    if (new Set(t.categories).size !== t.categories.length)
      ctx.addIssue({ code: 'custom', path: ['categories'], message: 'categories must not repeat' });
  });
export type ReportType = z.infer<typeof ReportType>;

const GIB = 1024 ** 3;
export const DEFAULT_MAX_ATTACHMENT_BYTES = 2 * GIB;

/** `settings.reports`. */
export const ReportsSettings = z
  .object({
    types: z
      .array(ReportType)
      .max(50)
      .refine(
        (types) => new Set(types.map((t) => t.id)).size === types.length,
        'report type ids must not repeat',
      ),
    /** Largest attachment, in plaintext bytes (the client refuses before, the server while streaming). */
    maxFileBytes: z
      .number()
      .int()
      .min(1024 * 1024)
      .max(64 * GIB),
    /** Largest total of one report's attachments. */
    maxReportBytes: z
      .number()
      .int()
      .min(1024 * 1024)
      .max(256 * GIB),
    /** Reports (with their replies and attachment files) older than this are deleted; 0 keeps them. */
    retentionDays: z.number().int().min(0).max(36_500),
  })
  .strict()
  .refine((s) => s.maxReportBytes >= s.maxFileBytes, {
    message: 'the per-report limit must be at least the per-file limit',
    path: ['maxReportBytes'],
  });
export type ReportsSettings = z.infer<typeof ReportsSettings>;

export const DEFAULT_REPORTS_SETTINGS: ReportsSettings = {
  types: [],
  maxFileBytes: DEFAULT_MAX_ATTACHMENT_BYTES,
  maxReportBytes: 10 * GIB,
  retentionDays: 0,
};

// ---------------------------------------------------------------------------------------------
// Sealed payloads (plaintext JSON, never seen by the server)

/** A field's value inside a sealed report: by type, text | number | ISO time | choice | choices | boolean. */
export type ReportFieldValue = string | number | boolean | string[] | null;

/** One attachment as the report's author describes it, sealed inside the report. */
export interface ReportAttachmentMeta {
  id: string;
  name: string;
  /** The MIME type the browser gave the file ('' when unknown). */
  type: string;
  /** Exact plaintext size (the stream holds it padded, §10.2). */
  size: number;
  /**
   * Base64url SHA-256 of the file's first MiB (all of a smaller file): a resumed upload checks
   * the file chosen again against it, even before any chunk was acknowledged. Absent in
   * reports filed before it existed.
   */
  head?: string;
}

/** The UTF-8 JSON sealed as a report's content (`report:<id>`). */
export interface ReportPayload {
  v: 1;
  title: string;
  body: string;
  category: string | null;
  fields: Record<string, ReportFieldValue>;
  attachments: ReportAttachmentMeta[];
}

/** The UTF-8 JSON sealed as a reply (`report-reply:<id>`). */
export interface ReportReplyPayload {
  v: 1;
  body: string;
}

// ---------------------------------------------------------------------------------------------
// Reports

export const REPORT_STATUSES = ['new', 'in-review', 'closed'] as const;
export const ReportStatus = z.enum(REPORT_STATUSES);
export type ReportStatus = z.infer<typeof ReportStatus>;

export const ReportIdParam = z.object({ id: Uuid }).strict();
export const AttachmentIdParam = z.object({ id: Uuid }).strict();
export const AttachmentChunkParam = z
  .object({ id: Uuid, index: z.coerce.number().int().min(0).max(0xffffffff) })
  .strict();

/** `POST /api/reports` [reports:write]: sealed for the caller and every current report admin. */
export const CreateReportBody = z
  .object({ id: Uuid, typeId: ReportTypeId.nullable(), envelope: NoteEnvelope })
  .strict();
export type CreateReportBody = z.infer<typeof CreateReportBody>;

/** `PATCH /api/reports/:id` [reports:read-all]: the workflow fields, set by admins. */
export const UpdateReportBody = z
  .object({ status: ReportStatus.optional(), assigneeId: z.string().min(1).max(128).nullable().optional() })
  .strict()
  .refine((b) => b.status !== undefined || b.assigneeId !== undefined, 'nothing to change');
export type UpdateReportBody = z.infer<typeof UpdateReportBody>;

/** `POST /api/reports/:id/replies` [the author, or reports:read-all]. */
export const CreateReplyBody = z.object({ id: Uuid, envelope: NoteEnvelope }).strict();
export type CreateReplyBody = z.infer<typeof CreateReplyBody>;

/** `GET /api/reports`: newest first. Without reports:read-all only one's own (and `authorPubkey` other than one's own is 403). */
export const ReportListQuery = z
  .object({
    status: ReportStatus.optional(),
    typeId: ReportTypeId.optional(),
    authorPubkey: Pubkey.optional(),
    assigneeId: z.string().min(1).max(128).optional(),
    /** `mine`: only the caller's own reports, even for an admin. */
    scope: z.enum(['mine', 'all']).default('all'),
    from: IsoTime.optional(),
    to: IsoTime.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: NewestFirstCursor.optional(),
  })
  .strict();
export type ReportListQuery = z.infer<typeof ReportListQuery>;

/** What the server knows of a report that is not ciphertext. */
export interface ReportMeta {
  id: string;
  typeId: string | null;
  authorPubkey: string;
  status: ReportStatus;
  /** The admin the report is assigned to (user id), or null. */
  assigneeId: string | null;
  createdAt: string;
  updatedAt: string;
  /** Number of replies and of attachments (complete or not). */
  replyCount: number;
  attachmentCount: number;
}

/** A report with its ciphertext and only the caller's own wrap (null while not granted yet). */
export interface ReportForReader extends ReportMeta {
  ciphertext: string;
  wrap: { reader: string; wrap: string } | null;
}

export interface ReplyForReader {
  id: string;
  reportId: string;
  authorPubkey: string;
  createdAt: string;
  ciphertext: string;
  wrap: { reader: string; wrap: string } | null;
}

export const ATTACHMENT_STATES = ['uploading', 'complete', 'failed'] as const;
export type AttachmentState = (typeof ATTACHMENT_STATES)[number];

/** An attachment's metadata; the name, type and exact size are in the sealed report. */
export interface AttachmentView {
  id: string;
  reportId: string;
  uploaderPubkey: string;
  state: AttachmentState;
  /** log2 of the stream's chunk size (§10), from its header. */
  chunkLog2: number;
  /** Chunks the stream has in all, and chunks the server has acknowledged. */
  chunkCount: number;
  received: number;
  /** The padded plaintext size the server can infer (§10.2), a bucket, not the file's size. */
  sizeBucket: number;
  createdAt: string;
  completedAt: string | null;
  /** The file key wrapped for the caller, or null. */
  wrap: { reader: string; wrap: string } | null;
}

export interface ReportPage {
  reports: ReportForReader[];
  nextCursor: string | null;
}

/** `GET /api/reports/:id`. */
export interface ReportDetail {
  report: ReportForReader;
  replies: ReplyForReader[];
  attachments: AttachmentView[];
}

/** `GET /api/reports/counts` [reports:read-all]: live reports by type (null: no type) and status. */
export interface ReportCounts {
  counts: { typeId: string | null; status: ReportStatus; count: number }[];
}

/** `GET /api/reports/readers` and `GET /api/reports/:id/readers`: the keys new content must be sealed for. */
export interface ReportReaders {
  readers: string[];
}

// ---------------------------------------------------------------------------------------------
// Attachments: a chunked, resumable upload of a §10 stream

/**
 * Upload chunk sizes a client may choose (log2): 64 KiB to 4 MiB. Chunks go one request at a
 * time, in order, so the chunk size sets how many round trips a file costs: 4 MiB chunks make a
 * gigabyte 256 requests instead of 2,048.
 */
export const UPLOAD_CHUNK_LOG2_MIN = 16;
export const UPLOAD_CHUNK_LOG2_MAX = 22;
/** What the reference client uses: 4 MiB chunks. */
export const UPLOAD_CHUNK_LOG2 = 22;
/** The body limit of `PUT /api/attachments/:id/chunks/:index` alone: one sealed chunk of the largest size. */
export const UPLOAD_CHUNK_BODY_LIMIT_BYTES = 2 ** UPLOAD_CHUNK_LOG2_MAX + 16;

/**
 * The padded plaintext length of a file of `n` bytes (§10.2): at least 64 KiB, then rounded up to
 * a multiple of 2^(floor(log2 n) − 3), so the server learns the size to within 12.5 %.
 */
export function paddedLength(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('size must be a non-negative integer');
  if (n <= 65_536) return 65_536;
  const step = 2 ** (Math.floor(Math.log2(n)) - 3);
  return Math.ceil(n / step) * step;
}

/** Chunks of a §10 stream holding `plaintextLength` bytes in chunks of 2^log2 (an empty stream is one chunk). */
export const streamChunkCount = (plaintextLength: number, log2: number): number =>
  plaintextLength === 0 ? 1 : Math.ceil(plaintextLength / 2 ** log2);

/** `POST /api/reports/:id/attachments` [reports:write, the report's author]: opens an upload. */
export const CreateAttachmentBody = z
  .object({
    id: Uuid,
    /** The stream header (§10), base64url of 21 bytes; its log2 must be in the upload range. */
    header: z.string().regex(/^[A-Za-z0-9_-]{28}$/, 'a stream header: 21 bytes, base64url'),
    chunkCount: z.number().int().min(1).max(0xffffffff),
    /**
     * SHA-256 (lowercase hex) of sealed chunk 0, declared before any chunk is sent: the server
     * stores only a chunk 0 that matches, and a client resuming with no chunk acknowledged
     * re-seals chunk 0 and compares (§10.2). Optional on the wire; the reference client sends it.
     */
    firstChunkSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'a SHA-256, lowercase hex')
      .optional(),
    wraps: z
      .array(z.object({ reader: Pubkey, wrap: WrapText }).strict())
      .min(1)
      .max(1000),
  })
  .strict();
export type CreateAttachmentBody = z.infer<typeof CreateAttachmentBody>;

/** `GET /api/attachments/:id/upload` [the uploader]: where a resumed upload continues. */
export interface UploadStatus {
  attachment: AttachmentView;
  /** The stream header, base64url, as created. */
  header: string;
  /** SHA-256 (hex) of the last acknowledged sealed chunk, so a client can check it re-reads the same file. */
  lastChunkSha256: string | null;
  /** SHA-256 (hex) of sealed chunk 0 as declared when the upload was opened (null if it was not). */
  firstChunkSha256: string | null;
}

/** The answer to `PUT /api/attachments/:id/chunks/:index` (body: one sealed chunk, application/octet-stream). */
export interface ChunkAck {
  received: number;
  complete: boolean;
}

export const ReportGrantWorkQuery = z
  .object({
    reader: Pubkey,
    after: z
      .string()
      .regex(/^(report|report-reply|attachment):[0-9a-f-]{36}$/, 'a record id')
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

/** One record to re-wrap for a new report admin: its purpose decides the labels. */
export interface ReportGrantItem {
  recordId: string;
  purpose: 'report' | 'attachment';
  /** The caller's own wrap of the record's key. */
  wrap: string;
}

export interface ReportGrantWork {
  items: ReportGrantItem[];
  next: string | null;
}

/** `POST /api/reports/grant` [reports:read-all]: wraps for a new reader, made in the browser. Idempotent. */
export const ReportGrantBody = z
  .object({
    reader: Pubkey,
    wraps: z
      .array(
        z
          .object({
            recordId: z.string().regex(/^(report|report-reply|attachment):[0-9a-f-]{36}$/, 'a record id'),
            wrap: WrapText,
          })
          .strict(),
      )
      .min(1)
      .max(500),
  })
  .strict();
export type ReportGrantBody = z.infer<typeof ReportGrantBody>;

/** Hub events (ids only): a report filed, changed (status, assignee, attachment state) or replied to. */
export const ReportEvent = z
  .object({ type: z.enum(['report:new', 'report:updated', 'report:reply']), reportId: Uuid })
  .strict();
export type ReportEvent = z.infer<typeof ReportEvent>;

/** One line of `GET /api/reports/export` (JSON lines): each live report with its replies, then the count. */
export type ReportExportLine =
  | { type: 'report'; report: ReportForReader; replies: ReplyForReader[] }
  | { type: 'end'; count: number };
