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

/**
 * A list query's conditions and their parameters, after the `params` given first (the reader's
 * key keeps $1): `add((p) => \`n.call_id = ${p(callId)}\`)` numbers each value it takes, and
 * `param(limit)` numbers one outside the conditions.
 */
export function listConditions(params: unknown[], where: string[]) {
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  return {
    params,
    where,
    param,
    add: (clause: (p: (value: unknown) => string) => string) => {
      where.push(clause(param));
    },
  };
}
