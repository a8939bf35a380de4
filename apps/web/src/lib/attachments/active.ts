import type { UploadHandle } from './uploader.js';

/**
 * The uploads of this tab, by attachment id, so a report page left and opened again shows the
 * upload still going (its progress and cancel) instead of offering to resume it, and shows how
 * the last one ended (uploaded, or stopped and why) even when the page's copy of the report was
 * read before the upload ended. That copy can be stale for good: a read started before the last
 * chunk's answer and still decrypting when the report's hub event arrives absorbs the event (the
 * query library joins a refresh to a first read in flight), so the page would say "not
 * finished" of a file the server holds whole. A reload ends them all (they resume by re-choosing
 * the file). This is page state of one tab, like the vault's unlocked key, not a registry of
 * behaviour: nothing is wired through it.
 */
const running = new Map<string, UploadHandle>();
/** The last upload of each id that ended in this tab (few: one per file chosen here). */
const ended = new Map<string, UploadHandle>();
const listeners = new Set<() => void>();
let version = 0;

const changed = () => {
  version++;
  for (const listener of listeners) listener();
};

export function trackUpload(handle: UploadHandle): UploadHandle {
  running.set(handle.id, handle);
  changed();
  const forget = () => {
    if (running.get(handle.id) !== handle) return;
    running.delete(handle.id);
    ended.set(handle.id, handle);
    changed();
  };
  handle.done.then(forget, forget);
  return handle;
}

export const runningUpload = (id: string): UploadHandle | undefined => running.get(id);

/** The last upload of this id that ended in this tab (its progress says how), if any. */
export const endedUpload = (id: string): UploadHandle | undefined => ended.get(id);

/** For useSyncExternalStore: a number that moves whenever an upload of this tab starts or ends. */
export const runningUploads = {
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  version: () => version,
};
