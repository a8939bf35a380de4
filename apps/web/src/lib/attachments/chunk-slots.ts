/**
 * Where the upload worker puts a sealed chunk for the page to send: a file in the origin-private
 * file system, handed to fetch as a File, instead of the chunk's bytes in memory.
 *
 * Why: a request body made from bytes (a Blob of them, or the bytes themselves) is a copy that
 * Chromium keeps until the garbage collector frees the JavaScript object holding it, and the
 * collector does not know those copies' size: a fast upload of 4 MiB chunks piled up about
 * 100 MB of finished bodies in the browser process, 200 MB with DevTools watching (measured,
 * `npm run bench -- reports`). A File body is a reference to a file on disk; the bytes are read
 * from it as they are sent. What the disk holds is ciphertext, at most SLOTS chunks of one upload,
 * removed when the upload ends.
 *
 * Chunk i goes to slot i mod SLOTS. The uploader has at most two chunks live (one on the wire,
 * the next being sealed), so a slot is rewritten only after its chunk was acknowledged: a File
 * being sent, or re-sent after a lost answer, is never overwritten under it.
 */

const ROOT = 'llamenos-upload-chunks';
const SLOTS = 3;
/** Another tab's upload writes its slots at least this often; older directories are leftovers of a closed tab. */
const LEFTOVER_MS = 3600_000;

interface SyncAccessHandle {
  write(buffer: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  close(): void;
}
type SlotFileHandle = FileSystemFileHandle & { createSyncAccessHandle?: () => Promise<SyncAccessHandle> };

export class ChunkSlots {
  private constructor(
    private readonly root: FileSystemDirectoryHandle,
    private readonly dir: FileSystemDirectoryHandle,
    private readonly name: string,
  ) {}

  /** Slots for one upload; null where the browser has no origin-private file system for workers. */
  static async open(attachmentId: string): Promise<ChunkSlots | null> {
    try {
      if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory) return null;
      const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(ROOT, { create: true });
      await removeLeftovers(root, attachmentId);
      const dir = await root.getDirectoryHandle(attachmentId, { create: true });
      const probe = (await dir.getFileHandle('0', { create: true })) as SlotFileHandle;
      if (typeof probe.createSyncAccessHandle !== 'function') return null;
      return new ChunkSlots(root, dir, attachmentId);
    } catch {
      return null;
    }
  }

  /** Writes `sealed` as chunk `index`'s slot and returns it as a File (a snapshot of what was written). */
  async put(index: number, sealed: Uint8Array): Promise<File> {
    const handle = (await this.dir.getFileHandle(String(index % SLOTS), { create: true })) as SlotFileHandle;
    const access = await handle.createSyncAccessHandle!();
    try {
      // Not flushed: the file only has to outlast the request, not a crash (a resumed upload
      // seals its chunks again).
      for (let at = 0; at < sealed.length; ) {
        const written: unknown = access.write(sealed.subarray(at), { at });
        // Early Safari handles answered promises here: the caller sends the bytes instead.
        if (typeof written !== 'number' || written <= 0) throw new Error('the chunk file was not written');
        at += written;
      }
      access.truncate(sealed.length);
    } finally {
      access.close();
    }
    const file = await handle.getFile();
    if (file.size !== sealed.length) throw new Error('the chunk file does not hold the chunk');
    return file;
  }

  /** Removes this upload's slots (the upload ended, finished or not). */
  async remove(): Promise<void> {
    await this.root.removeEntry(this.name, { recursive: true }).catch(() => undefined);
  }
}

/** Removes other uploads' slot directories untouched for LEFTOVER_MS (a tab closed mid-upload). */
async function removeLeftovers(root: FileSystemDirectoryHandle, keep: string): Promise<void> {
  const now = Date.now();
  const entries = (root as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries();
  for await (const [name, entry] of entries) {
    if (name === keep || entry.kind !== 'directory') continue;
    let newest = 0;
    const files = (entry as unknown as { values(): AsyncIterable<FileSystemHandle> }).values();
    for await (const file of files)
      if (file.kind === 'file')
        newest = Math.max(newest, (await (file as FileSystemFileHandle).getFile()).lastModified);
    if (now - newest > LEFTOVER_MS) await root.removeEntry(name, { recursive: true }).catch(() => undefined);
  }
}
