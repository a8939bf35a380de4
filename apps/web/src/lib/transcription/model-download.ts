import { TranscriptionError } from './errors.js';

/**
 * Downloads the model file (hundreds of megabytes for the useful models), resuming where a broken
 * connection stopped: the server serves a single byte range checked against the file's ETag
 * (`If-Range`, docs/PROTOCOL.md §9.5), so a retry asks only for the rest. A 200 to a resumed
 * request (the file is not the one the first part came from) starts over with its bytes. The
 * caller still checks the SHA-256 of the whole.
 */

/** Tries after a broken connection; each resumes where the last one stopped. */
export const MODEL_DOWNLOAD_RESUMES = 3;

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export async function downloadModel(
  url: string,
  sha256: string,
  fetchFn: Fetch = fetch,
): Promise<Uint8Array<ArrayBuffer>> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let received = 0;
  let total: number | null = null;
  for (let attempt = 0; ; attempt++) {
    const headers: Record<string, string> =
      received > 0 ? { range: `bytes=${received}-`, 'if-range': `"${sha256}"` } : {};
    const response = await fetchFn(url, { credentials: 'same-origin', headers }).catch(() => null);
    if (!response || !(response.status === 200 || (received > 0 && response.status === 206))) {
      if (response === null && received > 0 && attempt < MODEL_DOWNLOAD_RESUMES) continue;
      throw new TranscriptionError('model-download', `HTTP ${response?.status ?? 'error'}`);
    }
    if (response.status === 200) {
      parts.length = 0;
      received = 0;
      total = Number(response.headers.get('content-length')) || null;
    } else if (!response.headers.get('content-range')?.startsWith(`bytes ${received}-`)) {
      throw new TranscriptionError('model-download', 'the server resumed the model at the wrong place');
    }
    try {
      const reader = response.body?.getReader();
      if (!reader) throw new TranscriptionError('model-download', 'empty response');
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        received += value.length;
      }
    } catch (e) {
      if (e instanceof TranscriptionError) throw e;
      // The connection broke mid-file: what came is kept, and the next try asks for the rest.
      if (attempt < MODEL_DOWNLOAD_RESUMES) continue;
      throw new TranscriptionError('model-download', `the download broke after ${received} bytes`);
    }
    if (total !== null && received < total) {
      if (attempt < MODEL_DOWNLOAD_RESUMES) continue;
      throw new TranscriptionError('model-download', `the download broke after ${received} bytes`);
    }
    break;
  }
  // The parts are let go once the Blob holds them: at most two copies of the model at a time, as before.
  const whole = new Blob(parts);
  parts.length = 0;
  return new Uint8Array(await whole.arrayBuffer());
}
