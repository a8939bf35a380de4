import type { UploadHandle } from './uploader.js';

/**
 * The uploads running in this tab, by attachment id, so a report page left and opened again
 * shows the upload still going (its progress and cancel) instead of offering to resume it.
 * An upload leaves the list when it ends; a reload ends them all (they resume by re-choosing
 * the file). This is page state of one tab, like the vault's unlocked key, not a registry of
 * behaviour: nothing is wired through it.
 */
const running = new Map<string, UploadHandle>();
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
    changed();
  };
  handle.done.then(forget, forget);
  return handle;
}

export const runningUpload = (id: string): UploadHandle | undefined => running.get(id);

/** For useSyncExternalStore: a number that moves whenever the set of running uploads changes. */
export const runningUploads = {
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  version: () => version,
};
