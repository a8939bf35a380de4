/**
 * Lists of sealed records read newest first a page at a time (notes, reports). A page's cursor
 * names its last row by creation time and id (the protocol checks its shape); the next page is
 * the rows strictly before that row, so rows added meanwhile never shift a page. A list's
 * filters are SQL conditions whose values are always numbered parameters, never spliced in.
 */

/** Where the next page starts: strictly before this row. */
export interface BeforeRow {
  createdAt: Date;
  id: string;
}

const cursorOf = (row: { createdAt: string; id: string }): string => `${row.createdAt}_${row.id}`;

/** The row a cursor from a previous page names. */
export function parseCursor(cursor: string): BeforeRow {
  const at = cursor.indexOf('_');
  return { createdAt: new Date(cursor.slice(0, at)), id: cursor.slice(at + 1) };
}

/**
 * A page of at most `limit` rows, from the `limit + 1` read (one more says whether there is a
 * next page), and the next page's cursor (null on the last page).
 */
export function pageOf<Row extends { createdAt: string; id: string }>(
  rows: Row[],
  limit: number,
): { page: Row[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return { page, nextCursor: more && last ? cursorOf(last) : null };
}

/** The rows of a newest-first list one page reads: its time range, an export's snapshot, the cursor. */
export interface PageWindow {
  from?: Date;
  to?: Date;
  /** Strictly older than this (created_at, id) pair: keyset paging, newest first. */
  before?: BeforeRow;
  /** Not created after this instant (an export's snapshot). */
  createdUpTo?: Date;
  /** Rows read: the page's size and one more (pageRequest). */
  limit: number;
}

/**
 * The window a list query asks for (its `from`, `to`, `cursor` and page size `limit`), absent
 * bounds left out, reading one row more than the page: pageOf tells from it whether another
 * page follows.
 */
export function pageRequest(q: {
  from?: Date | undefined;
  to?: Date | undefined;
  cursor?: string | undefined;
  limit: number;
}): PageWindow {
  return {
    ...(q.from ? { from: q.from } : {}),
    ...(q.to ? { to: q.to } : {}),
    ...(q.cursor ? { before: parseCursor(q.cursor) } : {}),
    limit: q.limit + 1,
  };
}

/**
 * A list query's conditions and their parameters, after the `params` given first (the reader's
 * key keeps $1): `add((p) => \`n.call_id = ${p(callId)}\`)` numbers each value it takes, and
 * `param(limit)` numbers one outside the conditions. `window('n', f)` adds a page window's
 * conditions on the table `n` (its created_at and id) and returns the numbered limit.
 */
export function listConditions(params: unknown[], where: string[]) {
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const add = (clause: (p: (value: unknown) => string) => string) => {
    where.push(clause(param));
  };
  const window = (t: string, f: PageWindow): string => {
    if (f.from) add((p) => `${t}.created_at >= ${p(f.from)}`);
    if (f.to) add((p) => `${t}.created_at < ${p(f.to)}`);
    if (f.createdUpTo) add((p) => `${t}.created_at <= ${p(f.createdUpTo)}`);
    if (f.before) add((p) => `(${t}.created_at, ${t}.id) < (${p(f.before?.createdAt)}, ${p(f.before?.id)})`);
    return param(f.limit);
  };
  return { params, where, param, add, window };
}
