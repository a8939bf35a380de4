import { z } from 'zod';
import { IsoTime, NewestFirstCursor } from './primitives.js';

/**
 * Call notes (the Records module). The browser seals a note's text and custom fields as one
 * payload with `sealForReaders` (purpose `note`) for its author and every current admin; the
 * server stores the sealed envelope's ciphertext and wraps, and never sees the content.
 *
 * Each version of a note is sealed on its own, under its own key, with the record id
 * `note:<noteId>:v<version>` (see `noteRecordId`). The note id is chosen by the client,
 * because it must be known before sealing.
 */

/** Decoded ciphertext above this is refused: a note is text and a few fields, not a file. */
export const NOTE_CIPHERTEXT_MAX_BYTES = 256 * 1024;
/** Bytes of one ECIES key wrap (WRAP_LENGTH in @llamenos/crypto; the server checks they agree). */
export const NOTE_WRAP_BYTES = 106;
/** Readers per envelope (MAX_READERS in @llamenos/crypto). */
const NOTE_MAX_READERS = 1000;
/** Wraps per grant batch. */
const GRANT_BATCH_MAX = 500;

/** The record id bound into a note version's AEAD associated data. */
export const noteRecordId = (noteId: string, version: number): string => `note:${noteId}:v${version}`;

/**
 * A lowercase, hyphenated UUID. Lowercase only: the id is bound into the ciphertext as text,
 * so two spellings of one UUID would be two different records.
 */
const NoteId = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lowercase UUID');

/** Calls are another module's; here a call id is an opaque, bounded token. */
export const NoteCallId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_:-]+$/, 'a call id');

const ReaderPubkey = z.string().regex(/^[0-9a-f]{64}$/, 'a 64-character lowercase hex public key');

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Decoded length of canonical unpadded base64url, or null when the text is not canonical
 * (padding, other alphabets, an impossible length, non-zero unused bits). Canonical form
 * matters because one blob must have exactly one text form on the wire.
 */
function base64urlLength(text: string): number | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const rest = text.length % 4;
  if (rest) {
    const last = B64URL.indexOf(text[text.length - 1] as string);
    const unusedBits = rest === 2 ? 0x0f : 0x03;
    if (last & unusedBits) return null;
  }
  return Math.floor((text.length * 3) / 4);
}

const base64urlText = (what: string, maxBytes: number) =>
  z
    .string()
    // A cheap bound before the per-character check, from the longest canonical text.
    .max(Math.ceil((maxBytes * 4) / 3), `${what} is above ${maxBytes} bytes`)
    .refine((s) => base64urlLength(s) !== null, `${what} must be canonical unpadded base64url`);

const NoteWrapText = base64urlText('wrap', NOTE_WRAP_BYTES).refine(
  (s) => base64urlLength(s) === NOTE_WRAP_BYTES,
  `a wrap is exactly ${NOTE_WRAP_BYTES} bytes`,
);

const ReaderWrapBody = z.object({ reader: ReaderPubkey, wrap: NoteWrapText }).strict();

/** The sealed envelope of one note version, as `sealForReaders` returns it. */
export const NoteEnvelope = z
  .object({
    v: z.literal(1),
    ciphertext: base64urlText('ciphertext', NOTE_CIPHERTEXT_MAX_BYTES).refine(
      (s) => s.length > 0,
      'ciphertext is empty',
    ),
    wraps: z.array(ReaderWrapBody).min(1).max(NOTE_MAX_READERS),
  })
  .strict()
  .superRefine((env, ctx) => {
    const seen = new Set<string>();
    env.wraps.forEach((w, i) => {
      if (seen.has(w.reader))
        ctx.addIssue({ code: 'custom', path: ['wraps', i, 'reader'], message: 'duplicate reader' });
      seen.add(w.reader);
    });
  });
export type NoteEnvelope = z.infer<typeof NoteEnvelope>;

/** `POST /api/notes`: the first version of a new note. */
export const CreateNoteBody = z
  .object({ id: NoteId, callId: NoteCallId.optional(), envelope: NoteEnvelope })
  .strict();
export type CreateNoteBody = z.infer<typeof CreateNoteBody>;

/** `PUT /api/notes/:id`: a new version; `expectedVersion` is the version the edit was based on. */
export const UpdateNoteBody = z
  .object({ expectedVersion: z.number().int().min(1), envelope: NoteEnvelope })
  .strict();
export type UpdateNoteBody = z.infer<typeof UpdateNoteBody>;

export const NoteIdParam = z.object({ id: NoteId }).strict();

/** Filters of `GET /api/notes`, newest first. `authorPubkey` other than one's own needs notes:read-all. */
export const NoteListQuery = z
  .object({
    from: IsoTime.optional(),
    to: IsoTime.optional(),
    authorPubkey: ReaderPubkey.optional(),
    callId: NoteCallId.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: NewestFirstCursor.optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: 'from must be before to', path: ['to'] });
export type NoteListQuery = z.infer<typeof NoteListQuery>;

/** `GET /api/notes/:id?version=N`: an older version (default: the current one). */
export const NoteVersionQuery = z.object({ version: z.coerce.number().int().min(1).optional() }).strict();

/** Metadata of a note: everything the server knows that is not ciphertext. */
export interface NoteMeta {
  id: string;
  callId: string | null;
  authorPubkey: string;
  /** The current version. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * One version of a note as a reader receives it: the ciphertext and only the caller's own
 * wrap (null while an admin's access has not been granted yet). Open it with `openAsReader`
 * on `{v: 1, ciphertext, wraps: [wrap]}` and record id `noteRecordId(id, version)`.
 */
export interface NoteForReader extends NoteMeta {
  ciphertext: string;
  wrap: { reader: string; wrap: string } | null;
}

export interface NotePage {
  notes: NoteForReader[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface NoteVersionInfo {
  version: number;
  createdAt: string;
  createdBy: string;
}

/** `GET /api/records/readers`: every key a new note of the caller must be sealed for (the caller and every admin). */
export interface NoteReaders {
  readers: string[];
}

const GrantCursor = z.string().regex(/^[0-9a-f-]{36}:\d{1,9}$/, 'a cursor from a previous batch');

/** `GET /api/notes/grant-work`: the next note versions still to be wrapped for `reader`. */
export const GrantWorkQuery = z
  .object({
    reader: ReaderPubkey,
    after: GrantCursor.optional(),
    limit: z.coerce.number().int().min(1).max(GRANT_BATCH_MAX).default(100),
  })
  .strict();

export interface GrantWorkItem {
  noteId: string;
  version: number;
  /** The caller's own wrap of this version's key: unwrap it, wrap the key for the reader. */
  wrap: string;
}

export interface GrantWork {
  items: GrantWorkItem[];
  /** Pass as `after` to skip items this client could not wrap; null when nothing is left. */
  next: string | null;
}

/** `POST /api/notes/grant`: wraps for a new reader, made in the browser. Idempotent. */
export const GrantBody = z
  .object({
    reader: ReaderPubkey,
    wraps: z
      .array(z.object({ noteId: NoteId, version: z.number().int().min(1), wrap: NoteWrapText }).strict())
      .min(1)
      .max(GRANT_BATCH_MAX),
  })
  .strict()
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.wraps.forEach((w, i) => {
      const key = `${w.noteId}:${w.version}`;
      if (seen.has(key))
        ctx.addIssue({ code: 'custom', path: ['wraps', i], message: 'duplicate note version' });
      seen.add(key);
    });
  });
export type GrantBody = z.infer<typeof GrantBody>;

export interface GrantResult {
  inserted: number;
  /** Already wrapped for the reader (a resumed or repeated batch). */
  alreadyPresent: number;
  /** Deleted meanwhile, unknown, or not wrapped for the caller: nothing to grant from. */
  skipped: number;
}

export const GrantStatusQuery = z.object({ reader: ReaderPubkey }).strict();

/** Progress of a grant: `done` of `total` live note versions are wrapped for the reader. */
export interface GrantStatus {
  total: number;
  done: number;
  /** Versions missing for the reader that the caller cannot wrap either (no wrap of their own). */
  unavailableToCaller: number;
}

/** One line of `GET /api/notes/export` (JSON lines); the last line is `{type: 'end'}` with the count. */
export type NoteExportLine = { type: 'note'; note: NoteForReader } | { type: 'end'; count: number };
