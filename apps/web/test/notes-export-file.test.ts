/**
 * The sealed notes export file (docs/PROTOCOL.md, "Notes export file", version 2), written and
 * opened through the export sealing it shares with the conversation export
 * (lib/export-file-lines.ts): the header line keeps its fields in their order, the notes come
 * back as the admin's browser decrypted them, and another key or a cut file opens nothing.
 */
import { generateSecretKey, getPublicKey } from '@llamenos/crypto';
import type { NoteForReader } from '@llamenos/protocol';
import { beforeEach, describe, expect, it, vi } from 'vitest';

let unlocked: Uint8Array | null = null;
vi.mock('../src/lib/vault.js', () => ({ unlockedSecretKey: () => unlocked }));
const serverNotes: NoteForReader[] = [];
vi.mock('../src/lib/api/index.js', () => ({
  fetchNoteExportLines: async () => [
    ...serverNotes.map((note) => ({ type: 'note', note })),
    { type: 'end', count: serverNotes.length },
  ],
}));

const { buildEncryptedExport, ExportFileError, openExportFile } = await import('../src/lib/notes/export.js');
type Pool = Parameters<typeof buildEncryptedExport>[0];

const admin = generateSecretKey();
const note = (id: string) =>
  ({
    id,
    callId: null,
    authorPubkey: getPublicKey(admin),
    version: 1,
    createdAt: '2026-12-05T09:00:00.000Z',
    updatedAt: '2026-12-05T09:00:00.000Z',
  }) as unknown as NoteForReader;
/** The notes workers, as far as an export uses them: every note opens to its text. */
const pool = {
  setFields: async () => undefined,
  open: async (notes: NoteForReader[]) =>
    notes.map((n) => ({
      key: n.id,
      status: 'ok',
      payload: { text: `text of ${n.id}`, fields: {}, schema: 1 },
    })),
} as unknown as Pool;

beforeEach(() => {
  unlocked = admin;
  serverNotes.length = 0;
  serverNotes.push(note('n-1'), note('n-2'));
});

async function sealed() {
  return buildEncryptedExport(
    pool,
    [],
    () => 'Ana',
    () => undefined,
  );
}

describe('the notes export file', () => {
  it('starts with its header line, fields in order, nothing of the notes in clear', async () => {
    const { blob, count } = await sealed();
    expect(count).toBe(2);
    const bytes = new Uint8Array(await blob.arrayBuffer());
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0x0a))));
    expect(Object.keys(header)).toEqual(['format', 'version', 'exportId', 'createdAt', 'reader', 'wrap']);
    expect(header).toMatchObject({
      format: 'llamenos-notes-export',
      version: 2,
      reader: getPublicKey(admin),
    });
    expect(new TextDecoder().decode(bytes)).not.toContain('text of');
  });

  it('opens with the exporting key to the notes as decrypted', async () => {
    const { blob } = await sealed();
    const opened = await openExportFile(blob);
    expect(opened.notes.map((n) => [n.id, n.text, n.authorName, n.status])).toEqual([
      ['n-1', 'text of n-1', 'Ana', 'ok'],
      ['n-2', 'text of n-2', 'Ana', 'ok'],
    ]);
  });

  it('opens nothing for another key, nor when cut short', async () => {
    const { blob } = await sealed();
    unlocked = generateSecretKey();
    await expect(openExportFile(blob)).rejects.toMatchObject({ problem: 'other-key' });
    unlocked = admin;
    const cut = blob.slice(0, blob.size - 20);
    const error = await openExportFile(cut).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportFileError);
    expect((error as InstanceType<typeof ExportFileError>).problem).toBe('truncated');
  });
});
