import { describe, expect, it } from 'vitest';
import { rangeOf } from './byte-range.js';

/** The Range header of the model download: one byte range, or the whole file, or 416. */
const TAG = '"abc"';
const of = (range: string | undefined, ifRange?: string) => rangeOf(range, ifRange, TAG, 1000);

describe('the byte range of a model download', () => {
  it('serves a single range: from-to, from to the end, the last n bytes; an end past the file is cut', () => {
    expect(of('bytes=0-99')).toEqual({ kind: 'part', start: 0, end: 99 });
    expect(of('bytes=500-')).toEqual({ kind: 'part', start: 500, end: 999 });
    expect(of('bytes=-100')).toEqual({ kind: 'part', start: 900, end: 999 });
    expect(of('bytes=-5000')).toEqual({ kind: 'part', start: 0, end: 999 });
    expect(of('bytes=990-5000')).toEqual({ kind: 'part', start: 990, end: 999 });
    expect(of('bytes=999-999')).toEqual({ kind: 'part', start: 999, end: 999 });
  });

  it('is unsatisfiable from past the end, or for an empty suffix', () => {
    expect(of('bytes=1000-')).toEqual({ kind: 'unsatisfiable' });
    expect(of('bytes=1000-2000')).toEqual({ kind: 'unsatisfiable' });
    expect(of('bytes=-0')).toEqual({ kind: 'unsatisfiable' });
  });

  it('serves the whole file without a Range, for a list, another unit, a malformed or reversed range', () => {
    for (const header of [undefined, 'bytes=0-1,5-6', 'items=0-1', 'bytes=a-b', 'bytes=-', 'bytes=9-3', ''])
      expect(of(header)).toEqual({ kind: 'whole' });
  });

  it('honours If-Range only with the file ETag (a date or another tag: the whole file)', () => {
    expect(of('bytes=10-19', TAG)).toEqual({ kind: 'part', start: 10, end: 19 });
    expect(of('bytes=10-19', '"other"')).toEqual({ kind: 'whole' });
    expect(of('bytes=10-19', 'Wed, 21 Oct 2015 07:28:00 GMT')).toEqual({ kind: 'whole' });
    expect(of('bytes=10-19', `W/${TAG}`)).toEqual({ kind: 'whole' });
  });
});
