/**
 * The Range header of the model download (RFC 9110 §14), so a browser that lost its connection
 * halfway through a model of hundreds of megabytes resumes instead of starting over. Only a
 * single range of bytes is served: anything else the server may ignore (the whole file, 200).
 */

/** What to answer: the whole file, the bytes `start`..`end` inclusive (206), or 416. */
export type RangeAnswer =
  | { kind: 'whole' }
  | { kind: 'part'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const SINGLE = /^bytes=(\d*)-(\d*)$/i;

/**
 * `header` is the Range header, `ifRange` the If-Range header, `etag` the file's strong ETag.
 * An If-Range that is not that ETag (a date, or another file's tag) means "the whole file".
 */
export function rangeOf(
  header: string | undefined,
  ifRange: string | undefined,
  etag: string,
  size: number,
): RangeAnswer {
  if (header === undefined) return { kind: 'whole' };
  if (ifRange !== undefined && ifRange.trim() !== etag) return { kind: 'whole' };
  const match = SINGLE.exec(header.trim());
  // A list of ranges, another unit or a malformed header: served whole (allowed, and simplest).
  if (!match) return { kind: 'whole' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    // The last `last` bytes.
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'part', start, end };
}
