import { fromUtf8, getPublicKey, openAsReader, PURPOSES, type SealedEnvelope, utf8 } from '@llamenos/crypto';
import type { CustomFieldDefinition, NoteForReader } from '@llamenos/protocol';
import { fetchNoteExportLines } from '../api/index.js';
import {
  headerBytes,
  jsonLine,
  openSealedLines,
  type SealedExportHeader,
  type SealedExportKind,
  sealExportFile,
  sealedProblem,
} from '../export-file-lines.js';
import { unlockedSecretKey } from '../vault.js';
import type { NotesPool } from './pool.js';
import type { OpenResult } from './protocol.js';

/** One note in an export, as the admin's browser decrypted it. */
export interface ExportedNote {
  id: string;
  callId: string | null;
  authorPubkey: string;
  authorName: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** ok; mismatch: decrypted but not matching the current fields; failed: could not be opened. */
  status: OpenResult['status'];
  text: string | null;
  fields: Record<string, unknown> | null;
}

export interface ExportContent {
  format: 'llamenos-notes';
  version: 1;
  exportedAt: string;
  fields: CustomFieldDefinition[];
  notes: ExportedNote[];
}

/** Record id of an export's file key wrap and stream (docs/PROTOCOL.md, "Notes export file"). */
export const exportRecordId = (exportId: string) => `export:${exportId}`;

export const EXPORT_FILE_FORMAT = 'llamenos-notes-export';
export const EXPORT_FILE_VERSION = 2;
const NOTES_EXPORT: SealedExportKind = {
  format: EXPORT_FILE_FORMAT,
  version: EXPORT_FILE_VERSION,
  recordId: exportRecordId,
  purpose: PURPOSES.export,
};

/**
 * First line of an encrypted export file (version 2), followed by a newline and the STREAM
 * ciphertext of the export's JSON lines. Only `wrap` is secret-bearing; the rest is public.
 */
export type EncryptedExportHeader = SealedExportHeader & {
  format: typeof EXPORT_FILE_FORMAT;
  version: typeof EXPORT_FILE_VERSION;
};

/** Version 1 files (before the streamed format): one envelope for the exporting admin's key. */
interface EncryptedExportFileV1 {
  format: typeof EXPORT_FILE_FORMAT;
  version: 1;
  exportId: string;
  createdAt: string;
  envelope: SealedEnvelope;
}

/** The plaintext of a version 2 file: JSON lines, the first describing the export, the last counting the notes. */
type ExportPlainLine =
  | {
      type: 'export';
      format: 'llamenos-notes';
      version: 2;
      exportId: string;
      exportedAt: string;
      fields: CustomFieldDefinition[];
    }
  | { type: 'note'; note: ExportedNote }
  | { type: 'end'; count: number };

/** Why an export file could not be opened; each reason has its own sentence in the UI. */
export type ExportFileProblem = 'not-export' | 'unsupported' | 'other-key' | 'altered' | 'truncated';
export class ExportFileError extends Error {
  constructor(
    readonly problem: ExportFileProblem,
    message: string,
  ) {
    super(message);
    this.name = 'ExportFileError';
  }
}

/** Every note the admin may read, as the server sends it for an export (it audits the export first). */
async function fetchExportLines(): Promise<NoteForReader[]> {
  const key = unlockedSecretKey();
  if (!key) throw new Error('locked');
  const notes: NoteForReader[] = [];
  let end: number | null = null;
  for (const line of await fetchNoteExportLines(key)) {
    if (line.type === 'note') notes.push(line.note);
    else end = line.count;
  }
  if (end !== notes.length) throw new Error('the export was cut short; try again');
  return notes;
}

/** Fetches every note the admin may read and decrypts it in the notes workers, a batch at a time. */
async function* exportedNotes(
  pool: NotesPool,
  fields: CustomFieldDefinition[],
  authorName: (pubkey: string) => string | null,
  onProgress: (done: number, total: number) => void,
): AsyncGenerator<ExportedNote[]> {
  const notes = await fetchExportLines();
  await pool.setFields(fields);
  const CHUNK = 200;
  onProgress(0, notes.length);
  for (let i = 0; i < notes.length; i += CHUNK) {
    const chunk = notes.slice(i, i + CHUNK);
    const results = await pool.open(chunk);
    yield chunk.map((note, j) => {
      const result = results[j];
      const opened = result && result.status !== 'failed' ? result.payload : null;
      return {
        id: note.id,
        callId: note.callId,
        authorPubkey: note.authorPubkey,
        authorName: authorName(note.authorPubkey),
        version: note.version,
        createdAt: note.createdAt,
        updatedAt: note.updatedAt,
        status: result?.status ?? 'failed',
        text: opened ? opened.text : null,
        fields: opened ? opened.fields : null,
      };
    });
    onProgress(Math.min(i + CHUNK, notes.length), notes.length);
  }
}

/** Fetches and decrypts every note into one readable export (the readable copy). */
export async function collectExport(
  pool: NotesPool,
  fields: CustomFieldDefinition[],
  authorName: (pubkey: string) => string | null,
  onProgress: (done: number, total: number) => void,
): Promise<ExportContent> {
  const out: ExportedNote[] = [];
  for await (const batch of exportedNotes(pool, fields, authorName, onProgress)) out.push(...batch);
  return { format: 'llamenos-notes', version: 1, exportedAt: new Date().toISOString(), fields, notes: out };
}

/**
 * Builds the encrypted export file (docs/PROTOCOL.md, "Notes export file"): a fresh file key,
 * wrapped for the exporting admin's own key only; the JSON lines of the export encrypted with
 * the STREAM format as notes are decrypted, so neither the whole plaintext nor the whole
 * ciphertext is built as one buffer, and there is no size cap.
 */
export async function buildEncryptedExport(
  pool: NotesPool,
  fields: CustomFieldDefinition[],
  authorName: (pubkey: string) => string | null,
  onProgress: (done: number, total: number) => void,
): Promise<{ blob: Blob; count: number; exportId: string }> {
  const secret = unlockedSecretKey();
  if (!secret) throw new Error('locked');
  const exportId = crypto.randomUUID();
  const createdAt = new Date().toISOString();
  let count = 0;
  const blob = await sealExportFile(NOTES_EXPORT, secret, exportId, createdAt, async (write) => {
    await write(
      jsonLine({
        type: 'export',
        format: 'llamenos-notes',
        version: 2,
        exportId,
        exportedAt: createdAt,
        fields,
      } satisfies ExportPlainLine),
    );
    for await (const batch of exportedNotes(pool, fields, authorName, onProgress)) {
      let text = '';
      for (const note of batch)
        text += `${JSON.stringify({ type: 'note', note } satisfies ExportPlainLine)}\n`;
      count += batch.length;
      await write(utf8(text));
    }
    await write(jsonLine({ type: 'end', count } satisfies ExportPlainLine));
  });
  return { blob, count, exportId };
}

function cryptoProblem(error: unknown): never {
  const problem = sealedProblem(error);
  if (problem) throw new ExportFileError(problem, (error as Error).message);
  throw error;
}

function parseHeader(bytes: Uint8Array): { header: Record<string, unknown>; length: number } {
  const newline = bytes.indexOf(0x0a);
  const length = newline >= 0 ? newline : bytes.length;
  let header: unknown;
  try {
    header = JSON.parse(fromUtf8(bytes.subarray(0, length)));
  } catch {
    throw new ExportFileError('not-export', 'the file does not start with an export header');
  }
  if (!header || typeof header !== 'object' || (header as { format?: unknown }).format !== EXPORT_FILE_FORMAT)
    throw new ExportFileError('not-export', 'not a notes export file');
  return { header: header as Record<string, unknown>, length };
}

/** Opens a version 1 file (one envelope, the whole file is its JSON). */
async function openV1(file: Blob, header: EncryptedExportFileV1, secret: Uint8Array): Promise<ExportContent> {
  let whole: EncryptedExportFileV1;
  try {
    whole = JSON.parse(await file.text()) as EncryptedExportFileV1;
  } catch (error) {
    throw new ExportFileError('not-export', (error as Error).message);
  }
  const me = getPublicKey(secret);
  if (!whole.envelope?.wraps?.some((w) => w.reader === me))
    throw new ExportFileError('other-key', 'this file was encrypted for another key');
  let plain: Uint8Array;
  try {
    plain = openAsReader(whole.envelope, secret, {
      purpose: PURPOSES.export,
      recordId: exportRecordId(header.exportId),
    });
  } catch (error) {
    return cryptoProblem(error);
  }
  return JSON.parse(fromUtf8(plain)) as ExportContent;
}

/**
 * Opens an encrypted export file with the unlocked key: unwraps the file key, decrypts the
 * stream chunk by chunk and checks the closing count. Nothing is trusted before the final
 * chunk has authenticated (a cut file fails as a whole).
 */
export async function openExportFile(file: Blob): Promise<ExportContent> {
  const secret = unlockedSecretKey();
  if (!secret) throw new Error('locked');
  const start = await headerBytes(file);
  const { header, length } = parseHeader(start);
  if (header.version === 1) return openV1(file, header as unknown as EncryptedExportFileV1, secret);
  if (header.version !== EXPORT_FILE_VERSION)
    throw new ExportFileError('unsupported', `export file version ${String(header.version)}`);
  if (length === start.length) throw new ExportFileError('not-export', 'no newline after the header');
  const { exportId, reader, wrap } = header as Partial<EncryptedExportHeader>;
  if (typeof exportId !== 'string' || typeof reader !== 'string' || typeof wrap !== 'string')
    throw new ExportFileError('not-export', 'incomplete export header');
  if (reader !== getPublicKey(secret))
    throw new ExportFileError('other-key', 'this file was encrypted for another key');
  let intro: Extract<ExportPlainLine, { type: 'export' }> | null = null;
  let end: number | null = null;
  const notes: ExportedNote[] = [];
  try {
    await openSealedLines(file, length + 1, NOTES_EXPORT, { exportId, wrap }, secret, (raw) => {
      const line = JSON.parse(raw) as ExportPlainLine;
      if (end !== null) throw new ExportFileError('altered', 'data after the closing line');
      if (line.type === 'export') intro = line;
      else if (line.type === 'note') notes.push(line.note);
      else if (line.type === 'end') end = line.count;
    });
  } catch (error) {
    if (error instanceof ExportFileError) throw error;
    return cryptoProblem(error);
  }
  const opened = intro as Extract<ExportPlainLine, { type: 'export' }> | null;
  if (!opened || opened.exportId !== exportId || end !== notes.length)
    throw new ExportFileError('altered', 'the export content does not match its header or count');
  return {
    format: 'llamenos-notes',
    version: 1,
    exportedAt: opened.exportedAt,
    fields: opened.fields,
    notes,
  };
}

/** A spreadsheet cell: quoted, and never read as a formula by a spreadsheet program. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function exportCsv(
  content: ExportContent,
  headers: { base: string[]; status: Record<string, string> },
): string {
  const fields = [...content.fields].sort((a, b) => a.order - b.order);
  const rows = [[...headers.base, ...fields.map((f) => f.label)]];
  for (const n of content.notes)
    rows.push([
      n.id,
      n.createdAt,
      n.updatedAt,
      String(n.version),
      n.authorName ?? n.authorPubkey,
      n.callId ?? '',
      headers.status[n.status] ?? n.status,
      n.text ?? '',
      ...fields.map((f) => {
        const v = n.fields?.[f.id];
        return v === undefined || v === null ? '' : String(v);
      }),
    ]);
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** Saves a blob as a file on this machine; nothing leaves the browser. */
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Saves text as a file on this machine; nothing leaves the browser. */
export function downloadText(text: string, filename: string, type: string): void {
  downloadBlob(new Blob([text], { type }), filename);
}
