import { z } from 'zod';
import {
  ATTACHMENT_STATES,
  type AttachmentView,
  type ReplyForReader,
  type ReportCounts,
  type ReportDetail,
  type ReportExportLine,
  type ReportForReader,
  type ReportGrantWork,
  type ReportMeta,
  type ReportPage,
  type ReportReaders,
  ReportStatus,
} from '../reports.js';
import {
  ExportEndLine,
  GrantResultSchema,
  GrantStatusSchema,
  grantWorkOf,
  newestFirstPage,
  OwnWrap,
  sealedForReader,
  timestamps,
} from './records.js';

/** Answers of the reports routes, as the web client checks them on arrival (ciphertext stays opaque). */

export const ReportMetaSchema = z.object({
  id: z.string(),
  typeId: z.string().nullable(),
  authorPubkey: z.string(),
  status: ReportStatus,
  assigneeId: z.string().nullable(),
  ...timestamps,
  replyCount: z.number().int(),
  attachmentCount: z.number().int(),
}) satisfies z.ZodType<ReportMeta>;

export const ReportForReaderSchema = ReportMetaSchema.extend(
  sealedForReader,
) satisfies z.ZodType<ReportForReader>;

export const ReplyForReaderSchema = z.object({
  id: z.string(),
  reportId: z.string(),
  authorPubkey: z.string(),
  createdAt: z.string(),
  ...sealedForReader,
}) satisfies z.ZodType<ReplyForReader>;

export const AttachmentViewSchema = z.object({
  id: z.string(),
  reportId: z.string(),
  uploaderPubkey: z.string(),
  state: z.enum(ATTACHMENT_STATES),
  chunkLog2: z.number().int(),
  chunkCount: z.number().int(),
  received: z.number().int(),
  sizeBucket: z.number().int(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  wrap: OwnWrap,
}) satisfies z.ZodType<AttachmentView>;

/** `POST /api/reports` and `PATCH /api/reports/:id`. */
export const ReportMetaResponse = z.object({ report: ReportMetaSchema });

/** `GET /api/reports`. */
export const ReportPageSchema = newestFirstPage(
  'reports',
  ReportForReaderSchema,
) satisfies z.ZodType<ReportPage>;

/** `GET /api/reports/:id`. */
export const ReportDetailSchema = z.object({
  report: ReportForReaderSchema,
  replies: z.array(ReplyForReaderSchema),
  attachments: z.array(AttachmentViewSchema),
}) satisfies z.ZodType<ReportDetail>;

/** `POST /api/reports/:id/replies`. */
export const ReplyResponse = z.object({ reply: ReplyForReaderSchema.omit({ wrap: true, ciphertext: true }) });

/** `GET /api/reports/counts`. */
export const ReportCountsSchema = z.object({
  counts: z.array(z.object({ typeId: z.string().nullable(), status: ReportStatus, count: z.number().int() })),
}) satisfies z.ZodType<ReportCounts>;

/** `GET /api/reports/readers` and `GET /api/reports/:id/readers`. */
export const ReportReadersSchema = z.object({
  readers: z.array(z.string()),
}) satisfies z.ZodType<ReportReaders>;

/** `GET /api/reports/grant-work`. */
export const ReportGrantWorkSchema = grantWorkOf(
  z.object({ recordId: z.string(), purpose: z.enum(['report', 'attachment']), wrap: z.string() }),
) satisfies z.ZodType<ReportGrantWork>;

/** `POST /api/reports/grant`: answered as the notes' grant is. */
export const ReportGrantResultSchema = GrantResultSchema;

/** `GET /api/reports/grant-status`: `done` of `total` report records (content, replies, attachments) wrapped for the reader, as for notes. */
export const ReportGrantStatusSchema = GrantStatusSchema;

/** One line of `GET /api/reports/export` (JSON lines). */
export const ReportExportLineSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('report'),
    report: ReportForReaderSchema,
    replies: z.array(ReplyForReaderSchema),
  }),
  ExportEndLine,
]) satisfies z.ZodType<ReportExportLine>;
