import { z } from 'zod';
import type {
  GrantResult,
  GrantStatus,
  GrantWork,
  NoteExportLine,
  NoteForReader,
  NoteMeta,
  NotePage,
  NoteReaders,
  NoteVersionInfo,
} from '../records.js';

/** Answers of the notes routes, as the web client checks them on arrival (ciphertext stays opaque). */

/** When a stored row was made and last changed. */
export const timestamps = { createdAt: z.string(), updatedAt: z.string() };

/** A record's key wrapped for one reader (by pubkey). */
export const ReaderWrapSchema = z.object({ reader: z.string(), wrap: z.string() });

/**
 * A sealed record as one reader gets it (notes, reports, replies, transcripts): the ciphertext
 * and the reader's own wrap of its key, null when the record holds none for them.
 */
export const OwnWrap = ReaderWrapSchema.nullable();
export const sealedForReader = { ciphertext: z.string(), wrap: OwnWrap };

/** The last line of a JSON-lines export: how many lines came before it (a shorter answer was cut). */
export const ExportEndLine = z.object({ type: z.literal('end'), count: z.number().int() });

export const NoteMetaSchema = z.object({
  id: z.string(),
  callId: z.string().nullable(),
  authorPubkey: z.string(),
  version: z.number().int(),
  ...timestamps,
}) satisfies z.ZodType<NoteMeta>;

export const NoteForReaderSchema = NoteMetaSchema.extend(sealedForReader) satisfies z.ZodType<NoteForReader>;

/**
 * A page of a newest-first list of sealed records (notes, reports): the rows under the list's
 * own name, and the cursor of the next page (null: this was the last).
 */
export const newestFirstPage = <Key extends string, Row extends z.ZodType>(key: Key, row: Row) =>
  z
    .object({ [key]: z.array(row) } as Record<Key, z.ZodArray<Row>>)
    .extend({ nextCursor: z.string().nullable() });

/** `GET /api/notes`. */
export const NotePageSchema = newestFirstPage('notes', NoteForReaderSchema) satisfies z.ZodType<NotePage>;

/** `GET /api/notes/:id`. */
export const NoteResponse = z.object({ note: NoteForReaderSchema });

/** `POST /api/notes` and `PUT /api/notes/:id`. */
export const NoteMetaResponse = z.object({ note: NoteMetaSchema });

export const NoteVersionInfoSchema = z.object({
  version: z.number().int(),
  createdAt: z.string(),
  createdBy: z.string(),
}) satisfies z.ZodType<NoteVersionInfo>;

/** `GET /api/notes/:id/versions`. */
export const NoteVersionsResponse = z.object({ versions: z.array(NoteVersionInfoSchema) });

/** `GET /api/records/readers`. */
export const NoteReadersSchema = z.object({ readers: z.array(z.string()) }) satisfies z.ZodType<NoteReaders>;

/** `GET /api/notes/grant-status`. */
export const GrantStatusSchema = z.object({
  total: z.number().int(),
  done: z.number().int(),
  unavailableToCaller: z.number().int(),
}) satisfies z.ZodType<GrantStatus>;

/**
 * A batch of a grant's work (PROTOCOL.md, "Granting a new reader"): records the reader has no
 * wrap for yet, each with the caller's own wrap, and where the next batch starts (null: done).
 */
export const grantWorkOf = <Item extends z.ZodType>(item: Item) =>
  z.object({ items: z.array(item), next: z.string().nullable() });

/** `GET /api/notes/grant-work`. */
export const GrantWorkSchema = grantWorkOf(
  z.object({ noteId: z.string(), version: z.number().int(), wrap: z.string() }),
) satisfies z.ZodType<GrantWork>;

/** `POST /api/notes/grant`. */
export const GrantResultSchema = z.object({
  inserted: z.number().int(),
  alreadyPresent: z.number().int(),
  skipped: z.number().int(),
}) satisfies z.ZodType<GrantResult>;

/** One line of `GET /api/notes/export` (JSON lines). */
export const NoteExportLineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('note'), note: NoteForReaderSchema }),
  ExportEndLine,
]) satisfies z.ZodType<NoteExportLine>;
