import type { Context } from 'hono';

/**
 * Exports answered as JSON lines (application/x-ndjson): notes, reports, a conversation. The
 * rows are read page by page, never all in memory, and the last line, `{type: 'end', count}`,
 * lets the client tell a complete file from a cut one.
 */
const encoder = new TextEncoder();

/** One value as one line of an export. */
export const jsonLine = <Line>(value: Line): Uint8Array => encoder.encode(`${JSON.stringify(value)}\n`);

/** Where the next page starts: after this row, in the store's (created_at, id) descending order. */
export interface PageCursor {
  createdAt: Date;
  id: string;
}

/**
 * Streams rows read by keyset pages: `readPage(before)` returns at most `pageSize` rows after
 * `before` (the first page without it), `linesOf(page)` turns one page into its lines, and the
 * stream ends with `end(count)` after a short page.
 */
export function pagedJsonLines<Row extends { createdAt: string | Date; id: string }, Line>({
  pageSize,
  readPage,
  linesOf,
  end,
}: {
  pageSize: number;
  readPage: (before: PageCursor | undefined) => Promise<Row[]>;
  linesOf: (page: Row[]) => Promise<Line[]> | Line[];
  end: (count: number) => Line;
}): ReadableStream<Uint8Array> {
  let before: PageCursor | undefined;
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const page = await readPage(before);
      for (const value of await linesOf(page)) controller.enqueue(jsonLine(value));
      sent += page.length;
      const last = page[page.length - 1];
      if (page.length < pageSize || !last) {
        controller.enqueue(jsonLine(end(sent)));
        controller.close();
        return;
      }
      before = { createdAt: new Date(last.createdAt), id: last.id };
    },
  });
}

/** An export's answer: its JSON lines as they are read, never cached (they hold sealed records). */
export const jsonLinesResponse = (c: Context, stream: ReadableStream<Uint8Array>): Response =>
  c.body(stream, 200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
  });
