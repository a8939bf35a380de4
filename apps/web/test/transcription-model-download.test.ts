/**
 * The model download resumes after a broken connection with a Range request checked by the
 * file's ETag, and starts over when the server sends the whole file instead.
 */
import { describe, expect, it } from 'vitest';
import { downloadModel } from '../src/lib/transcription/model-download.js';

const FILE = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
const SHA = 'ab'.repeat(32);

/** A body that delivers `bytes` in chunks of 100, then breaks after `breakAfter` bytes if given. */
function body(bytes: Uint8Array, breakAfter?: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (breakAfter !== undefined && at >= breakAfter)
        return controller.error(new TypeError('network error'));
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + 100));
      at += 100;
    },
  });
}

/** A server of FILE whose connections break after `breaks[i]` bytes on the i-th request. */
function server(breaks: (number | undefined)[], options: { ignoreRange?: boolean } = {}) {
  const seen: Record<string, string>[] = [];
  const fetchFn = async (_url: string, init: RequestInit) => {
    const headers = (init.headers ?? {}) as Record<string, string>;
    seen.push(headers);
    const cut = breaks[seen.length - 1];
    const m = /^bytes=(\d+)-$/.exec(headers.range ?? '');
    if (m && !options.ignoreRange && headers['if-range'] === `"${SHA}"`) {
      const start = Number(m[1]);
      return new Response(body(FILE.subarray(start), cut), {
        status: 206,
        headers: { 'content-range': `bytes ${start}-${FILE.length - 1}/${FILE.length}` },
      });
    }
    return new Response(body(FILE, cut), { status: 200, headers: { 'content-length': String(FILE.length) } });
  };
  return { fetchFn, seen };
}

describe('the model download', () => {
  it('takes the file in one go when nothing breaks', async () => {
    const { fetchFn, seen } = server([]);
    expect(await downloadModel('/m', SHA, fetchFn)).toEqual(FILE);
    expect(seen).toEqual([{}]);
  });

  it('resumes after a broken connection, asking only for the rest with If-Range', async () => {
    const { fetchFn, seen } = server([300, 200]);
    expect(await downloadModel('/m', SHA, fetchFn)).toEqual(FILE);
    expect(seen).toEqual([
      {},
      { range: 'bytes=300-', 'if-range': `"${SHA}"` },
      { range: 'bytes=500-', 'if-range': `"${SHA}"` },
    ]);
  });

  it('starts over when the server answers a resumed request with the whole file', async () => {
    const { fetchFn, seen } = server([400], { ignoreRange: true });
    expect(await downloadModel('/m', SHA, fetchFn)).toEqual(FILE);
    expect(seen).toHaveLength(2);
  });

  it('gives up with a model-download error after a few broken tries, or on an HTTP error', async () => {
    const { fetchFn } = server([100, 0, 0, 0, 0]);
    await expect(downloadModel('/m', SHA, fetchFn)).rejects.toMatchObject({ code: 'model-download' });
    await expect(
      downloadModel('/m', SHA, async () => new Response('no', { status: 404 })),
    ).rejects.toMatchObject({ code: 'model-download', detail: 'HTTP 404' });
  });
});
