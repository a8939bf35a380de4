import { createAuthHeader, getPublicKey, PURPOSES, sealForReaders, utf8 } from '@llamenos/crypto';
import type { CustomFieldDefinition, NoteExportLine, NoteForReader } from '@llamenos/protocol';
import { ApiRequestError, api } from '../api.js';
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

/** The encrypted export file: one envelope sealed for the exporting admin's key alone. */
export interface EncryptedExportFile {
  format: 'llamenos-notes-export';
  version: 1;
  /** Record id of the envelope is `export:<exportId>`; it is needed to open it. */
  exportId: string;
  createdAt: string;
  envelope: ReturnType<typeof sealForReaders>;
}

/**
 * GET /api/notes/export is JSON lines, which the JSON helper does not read, so it is signed
 * here the same way (NIP-98 over the server's public URL). The server audits the export
 * before sending anything.
 */
async function fetchExportLines(): Promise<NoteForReader[]> {
  const key = unlockedSecretKey();
  if (!key) throw new Error('locked');
  const { publicUrl } = await api<{ publicUrl: string }>('GET', '/api/config');
  const path = '/api/notes/export';
  const url = `${publicUrl.replace(/\/+$/, '')}${path}`;
  let response: Response;
  try {
    response = await fetch(path, {
      headers: {
        accept: 'application/x-ndjson',
        authorization: createAuthHeader({ url, method: 'GET', body: '' }, key),
      },
    });
  } catch {
    throw new ApiRequestError(0, 'network', 'The server could not be reached.');
  }
  if (!response.ok) {
    const payload = (await response.json().catch(() => null)) as {
      error?: { code?: string; message?: string };
    } | null;
    throw new ApiRequestError(
      response.status,
      payload?.error?.code ?? 'internal',
      payload?.error?.message ?? '',
    );
  }
  const notes: NoteForReader[] = [];
  let end: number | null = null;
  for (const line of (await response.text()).split('\n')) {
    if (!line.trim()) continue;
    const parsed = JSON.parse(line) as NoteExportLine;
    if (parsed.type === 'note') notes.push(parsed.note);
    else end = parsed.count;
  }
  if (end !== notes.length) throw new Error('the export was cut short; try again');
  return notes;
}

/** Fetches every note the admin may read and decrypts it in the notes workers. */
export async function collectExport(
  pool: NotesPool,
  fields: CustomFieldDefinition[],
  authorName: (pubkey: string) => string | null,
  onProgress: (done: number, total: number) => void,
): Promise<ExportContent> {
  const notes = await fetchExportLines();
  await pool.setFields(fields);
  const out: ExportedNote[] = [];
  const CHUNK = 200;
  onProgress(0, notes.length);
  for (let i = 0; i < notes.length; i += CHUNK) {
    const chunk = notes.slice(i, i + CHUNK);
    const results = await pool.open(chunk);
    chunk.forEach((note, j) => {
      const result = results[j];
      const opened = result && result.status !== 'failed' ? result.payload : null;
      out.push({
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
      });
    });
    onProgress(Math.min(i + CHUNK, notes.length), notes.length);
  }
  return { format: 'llamenos-notes', version: 1, exportedAt: new Date().toISOString(), fields, notes: out };
}

/** Seals the whole export as one object for the admin's own key (purpose export). */
export function encryptExport(content: ExportContent): EncryptedExportFile {
  const key = unlockedSecretKey();
  if (!key) throw new Error('locked');
  const exportId = crypto.randomUUID();
  const envelope = sealForReaders(utf8(JSON.stringify(content)), [getPublicKey(key)], {
    purpose: PURPOSES.export,
    recordId: `export:${exportId}`,
  });
  return { format: 'llamenos-notes-export', version: 1, exportId, createdAt: content.exportedAt, envelope };
}

/** A spreadsheet cell: quoted, and never read as a formula by a spreadsheet program. */
function csvCell(value: unknown): string {
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

/** Saves text as a file on this machine; nothing leaves the browser. */
export function downloadText(text: string, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
